package imap

import "strconv"

// UIDSet is a set of UIDs, as sent in UID commands and received in
// APPENDUID/COPYUID codes, VANISHED and ESEARCH (RFC 9051 §9 sequence-set,
// RFC 4315 uid-set). The zero value is an empty set ready to use. It is a
// Value: used in a command it is written in its compact form.
//
// Methods promoted from the shared implementation: AddNum, AddRange,
// Contains, Len, All, Nums, Ranges, IsEmpty, Dynamic, String.
type UIDSet struct{ numSet[UID] }

// SeqSet is a set of message sequence numbers (RFC 9051 §9 sequence-set).
// It is a distinct type from UIDSet so that the two are never confused. The
// zero value is an empty set ready to use.
type SeqSet struct{ numSet[SeqNum] }

// UIDRange is an inclusive range of UIDs; 0 stands for "*".
type UIDRange = Range[UID]

// SeqRange is an inclusive range of sequence numbers; 0 stands for "*".
type SeqRange = Range[SeqNum]

func (UIDSet) isValue() {}
func (SeqSet) isValue() {}

// String formats the set compactly, e.g. "1:3,5,7:*".
func (s UIDSet) String() string { return s.numSet.String() }

// String formats the set compactly, e.g. "1:3,5,7:*".
func (s SeqSet) String() string { return s.numSet.String() }

// UIDSetOf returns a set holding the given UIDs.
func UIDSetOf(uids ...UID) UIDSet {
	var s UIDSet
	s.AddNum(uids...)
	return s
}

// UIDRangeSet returns the set start:stop (0 is "*").
func UIDRangeSet(start, stop UID) UIDSet {
	var s UIDSet
	s.AddRange(start, stop)
	return s
}

// SeqSetOf returns a set holding the given sequence numbers.
func SeqSetOf(nums ...SeqNum) SeqSet {
	var s SeqSet
	s.AddNum(nums...)
	return s
}

// SeqRangeSet returns the set start:stop (0 is "*").
func SeqRangeSet(start, stop SeqNum) SeqSet {
	var s SeqSet
	s.AddRange(start, stop)
	return s
}

// ParseUIDSet parses a sequence-set such as "1:3,5,7:*" (RFC 9051 §9).
func ParseUIDSet(s string) (UIDSet, error) {
	var out UIDSet
	err := parseNumSet(s, &out.numSet)
	return out, err
}

// ParseSeqSet parses a sequence-set such as "1:3,5,7:*" (RFC 9051 §9).
func ParseSeqSet(s string) (SeqSet, error) {
	var out SeqSet
	err := parseNumSet(s, &out.numSet)
	return out, err
}

// AddSet adds every member of o to s.
func (s *UIDSet) AddSet(o UIDSet) { s.addSet(&o.numSet) }

// AddSet adds every member of o to s.
func (s *SeqSet) AddSet(o SeqSet) { s.addSet(&o.numSet) }

// Split cuts s into consecutive sets whose String form is at most maxLen
// bytes, so that each command line stays under the ~8 KB that RFC 7162 §4
// recommends clients send. Ranges are never cut, so maxLen must be at least
// 21 (the longest range, "4294967294:4294967295").
func (s UIDSet) Split(maxLen int) []UIDSet {
	parts := s.split(maxLen)
	out := make([]UIDSet, len(parts))
	for i, p := range parts {
		out[i] = UIDSet{p}
	}
	return out
}

// Split cuts s into consecutive sets whose String form is at most maxLen
// bytes (RFC 7162 §4); see UIDSet.Split.
func (s SeqSet) Split(maxLen int) []SeqSet {
	parts := s.split(maxLen)
	out := make([]SeqSet, len(parts))
	for i, p := range parts {
		out[i] = SeqSet{p}
	}
	return out
}

// UID is a message unique identifier (RFC 9051 §2.3.1.1). Zero is not a valid
// UID; inside a UIDRange it stands for "*" (the largest UID in use).
type UID uint32

// SeqNum is a message sequence number (RFC 9051 §2.3.1.2). Zero is not a
// valid sequence number; inside a SeqRange it stands for "*".
type SeqNum uint32

// String returns the decimal form of u.
func (u UID) String() string { return strconv.FormatUint(uint64(u), 10) }

// String returns the decimal form of n.
func (n SeqNum) String() string { return strconv.FormatUint(uint64(n), 10) }

func (UID) isValue()    {}
func (SeqNum) isValue() {}

// ModSeq is a CONDSTORE modification sequence (RFC 7162 §3.1.1): a 63-bit
// unsigned number.
type ModSeq uint64
