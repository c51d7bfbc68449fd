package imap

import "strconv"

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
