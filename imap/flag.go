package imap

import "strings"

// Flag is a message flag: a system flag such as \Seen (RFC 9051 §2.3.2) or
// a keyword such as $Forwarded. Flags compare case-insensitively; use Equal
// or Canonical rather than ==. A Flag is a Value written as an atom.
type Flag string

// System flags (RFC 9051 §2.3.2) and the PERMANENTFLAGS wildcard.
const (
	FlagSeen     Flag = `\Seen`
	FlagAnswered Flag = `\Answered`
	FlagFlagged  Flag = `\Flagged`
	FlagDeleted  Flag = `\Deleted`
	FlagDraft    Flag = `\Draft`
	FlagRecent   Flag = `\Recent` // IMAP4rev1 only; removed in IMAP4rev2
	FlagWildcard Flag = `\*`      // PERMANENTFLAGS: new keywords may be created
)

// Registered keywords (RFC 9051 §2.3.2, RFC 5788 registry, RFC 8457).
const (
	FlagForwarded Flag = "$Forwarded"
	FlagMDNSent   Flag = "$MDNSent"
	FlagJunk      Flag = "$Junk"
	FlagNotJunk   Flag = "$NotJunk"
	FlagPhishing  Flag = "$Phishing"
	FlagImportant Flag = "$Important"
)

var systemFlags = [...]Flag{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft, FlagRecent, FlagWildcard}

// Canonical returns f with a system flag spelled as in the RFC (`\SEEN` →
// `\Seen`); other flags are returned unchanged, since keyword case is the
// server's business.
func (f Flag) Canonical() Flag {
	if !strings.HasPrefix(string(f), `\`) {
		return f
	}
	for _, s := range systemFlags {
		if strings.EqualFold(string(s), string(f)) {
			return s
		}
	}
	return f
}

// Equal reports whether f and g are the same flag, ignoring case
// (RFC 9051 §2.3.2: flags are case-insensitive).
func (f Flag) Equal(g Flag) bool { return strings.EqualFold(string(f), string(g)) }

// IsSystem reports whether f starts with a backslash (a system flag or an
// unknown \-extension flag), as opposed to a keyword.
func (f Flag) IsSystem() bool { return strings.HasPrefix(string(f), `\`) }

// String returns the flag as written on the wire.
func (f Flag) String() string { return string(f) }

func (Flag) isValue() {}

// HasFlag reports whether flags contains f, ignoring case.
func HasFlag(flags []Flag, f Flag) bool {
	for _, g := range flags {
		if g.Equal(f) {
			return true
		}
	}
	return false
}
