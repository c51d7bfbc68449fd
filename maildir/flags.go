package maildir

import "strings"

// Standard Maildir flag letters (https://cr.yp.to/proto/maildir.html,
// "info semantics"), with the IMAP flag each one stands for.
const (
	FlagDraft   byte = 'D' // \Draft
	FlagFlagged byte = 'F' // \Flagged
	FlagPassed  byte = 'P' // $Forwarded (the message was resent/forwarded)
	FlagReplied byte = 'R' // \Answered
	FlagSeen    byte = 'S' // \Seen
	FlagTrashed byte = 'T' // \Deleted
)

// StandardFlags lists the six standard flag letters in ASCII order.
const StandardFlags = "DFPRST"

// Flags is a set of flag letters from a Maildir info suffix. Any printable
// ASCII character except ',' ':' '/' can be a member, so letters this
// package does not know (other uppercase letters, Dovecot's keyword letters
// a-z) are kept. The zero value is the empty set. Flags is comparable with
// ==.
type Flags struct {
	lo, hi uint64 // bit c set for ASCII byte c (lo: 0-63, hi: 64-127)
}

// validFlagByte reports whether c can be stored in Flags.
func validFlagByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != ',' && c != ':' && c != '/'
}

// ParseFlags returns the set of letters in s, the part after ":2,". Bytes
// that cannot be flags (see Flags) are ignored; duplicates collapse.
func ParseFlags(s string) Flags {
	var f Flags
	for i := 0; i < len(s); i++ {
		f = f.With(s[i])
	}
	return f
}

// Has reports whether letter c is in the set.
func (f Flags) Has(c byte) bool {
	if c >= 0x80 {
		return false
	}
	if c < 64 {
		return f.lo&(1<<c) != 0
	}
	return f.hi&(1<<(c-64)) != 0
}

// With returns the set with letter c added. An invalid letter (see Flags)
// leaves the set unchanged.
func (f Flags) With(c byte) Flags {
	if !validFlagByte(c) {
		return f
	}
	if c < 64 {
		f.lo |= 1 << c
	} else {
		f.hi |= 1 << (c - 64)
	}
	return f
}

// Without returns the set with letter c removed.
func (f Flags) Without(c byte) Flags {
	if c >= 0x80 {
		return f
	}
	if c < 64 {
		f.lo &^= 1 << c
	} else {
		f.hi &^= 1 << (c - 64)
	}
	return f
}

// Union returns the letters in f or g.
func (f Flags) Union(g Flags) Flags { return Flags{f.lo | g.lo, f.hi | g.hi} }

// Minus returns the letters in f and not in g.
func (f Flags) Minus(g Flags) Flags { return Flags{f.lo &^ g.lo, f.hi &^ g.hi} }

// IsEmpty reports whether the set has no letters.
func (f Flags) IsEmpty() bool { return f.lo == 0 && f.hi == 0 }

// String returns the letters in ASCII order, as they must appear after
// ":2," (so "DFPRST" before the keyword letters "a".."z").
func (f Flags) String() string {
	var b strings.Builder
	for c := byte(0); c < 0x80; c++ {
		if f.Has(c) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Keywords returns the Dovecot keyword letters ('a'..'z') in the set, in
// order. Map them to names with a [Keywords] table.
func (f Flags) Keywords() []byte {
	var out []byte
	for c := byte('a'); c <= 'z'; c++ {
		if f.Has(c) {
			out = append(out, c)
		}
	}
	return out
}
