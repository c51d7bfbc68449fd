package store

import (
	"sort"
	"strings"
)

// Flag is one message flag: a system flag spelled as IMAP spells it
// (`\Seen`), or a keyword (`$Forwarded`, `work`). Flags compare
// case-insensitively (RFC 9051 §2.3.2); Canonical gives the one spelling the
// stores and the state database use.
type Flag string

// System flags and the common keywords that Maildir info letters carry.
const (
	Seen      Flag = `\Seen`
	Answered  Flag = `\Answered`
	Flagged   Flag = `\Flagged`
	Deleted   Flag = `\Deleted`
	Draft     Flag = `\Draft`
	Recent    Flag = `\Recent` // never stored or propagated; session-only in IMAP
	Forwarded Flag = `$Forwarded`
	Junk      Flag = `$Junk`
	NotJunk   Flag = `$NotJunk`
)

var canonicalSystem = map[string]Flag{
	`\seen`: Seen, `\answered`: Answered, `\flagged`: Flagged,
	`\deleted`: Deleted, `\draft`: Draft, `\recent`: Recent,
	`$forwarded`: Forwarded, `$junk`: Junk, `$notjunk`: NotJunk,
}

// Canonical returns f in its canonical spelling: system flags and the
// well-known $-keywords in their RFC spelling, other keywords unchanged
// (keywords are case-insensitive, but users see them as written).
func (f Flag) Canonical() Flag {
	if c, ok := canonicalSystem[strings.ToLower(string(f))]; ok {
		return c
	}
	return f
}

// IsSystem reports whether f is an IMAP system flag (starts with `\`).
func (f Flag) IsSystem() bool { return strings.HasPrefix(string(f), `\`) }

// Equal reports whether f and g name the same flag, ignoring case.
func (f Flag) Equal(g Flag) bool { return strings.EqualFold(string(f), string(g)) }

// Flags is a set of flags kept sorted, canonical and without duplicates
// (compared case-insensitively). The zero value is the empty set. Build one
// with NewFlags; methods never modify their receiver.
type Flags []Flag

// NewFlags returns the canonical set of the given flags: canonical
// spellings, \Recent dropped, duplicates (ignoring case) removed, sorted.
func NewFlags(fs ...Flag) Flags {
	out := make(Flags, 0, len(fs))
	seen := make(map[string]bool, len(fs))
	for _, f := range fs {
		f = f.Canonical()
		k := strings.ToLower(string(f))
		if f == "" || f == Recent || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ParseFlags reads the text form written by String.
func ParseFlags(s string) Flags {
	fields := strings.Fields(s)
	fs := make([]Flag, len(fields))
	for i, f := range fields {
		fs[i] = Flag(f)
	}
	return NewFlags(fs...)
}

// String returns the flags separated by single spaces, the form kept in the
// state database.
func (fs Flags) String() string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = string(f)
	}
	return strings.Join(parts, " ")
}

// Has reports whether f is in the set (ignoring case).
func (fs Flags) Has(f Flag) bool {
	for _, g := range fs {
		if g.Equal(f) {
			return true
		}
	}
	return false
}

// Union returns the flags in fs or in other.
func (fs Flags) Union(other Flags) Flags {
	return NewFlags(append(append([]Flag{}, fs...), other...)...)
}

// Minus returns the flags in fs that are not in other.
func (fs Flags) Minus(other Flags) Flags {
	var out []Flag
	for _, f := range fs {
		if !other.Has(f) {
			out = append(out, f)
		}
	}
	return NewFlags(out...)
}

// Equal reports whether fs and other hold the same flags.
func (fs Flags) Equal(other Flags) bool {
	return len(fs.Minus(other)) == 0 && len(other.Minus(fs)) == 0
}
