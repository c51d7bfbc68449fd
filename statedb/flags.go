package statedb

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// FlagSet is the canonical text of a set of IMAP flags (system flags and
// keywords) or of Gmail labels, as stored in the database: the items,
// escaped, sorted in byte order, without duplicates, separated by one space,
// e.g. `$Forwarded \Flagged \Seen work`. The empty string is the empty set.
//
// Escaping keeps labels with spaces representable: '%', ' ' and control
// characters are written as %XX (upper-case hex). IMAP flags are atoms
// (RFC 9051 §9 "flag-keyword") and never contain these, so for flags the
// text is the flags themselves. System flags are spelled canonically
// (`\seen` becomes `\Seen`, RFC 9051 §2.3.2: flags are case-insensitive).
//
// Build one with [MakeFlagSet]; the database refuses non-canonical text.
type FlagSet string

// canonicalSystemFlag returns the canonical spelling of an RFC 9051 §2.3.2
// system flag, and any other item unchanged.
func canonicalSystemFlag(f string) string {
	if !strings.HasPrefix(f, `\`) {
		return f
	}
	for _, c := range [...]string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent`} {
		if strings.EqualFold(f, c) {
			return c
		}
	}
	return f
}

// MakeFlagSet returns the canonical set of items (flags or labels). Items
// are deduplicated; an empty item or one that is not valid UTF-8 is an
// error.
func MakeFlagSet(items ...string) (FlagSet, error) {
	enc := make([]string, 0, len(items))
	for _, it := range items {
		if it == "" {
			return "", fmt.Errorf("statedb: empty flag in %q", items)
		}
		if !utf8.ValidString(it) {
			return "", fmt.Errorf("statedb: flag %q is not valid UTF-8", it)
		}
		enc = append(enc, escapeItem(canonicalSystemFlag(it)))
	}
	slices.Sort(enc)
	enc = slices.Compact(enc)
	return FlagSet(strings.Join(enc, " ")), nil
}

// Items returns the set's items, unescaped, in canonical order. It returns
// nil for the empty set.
func (s FlagSet) Items() []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(string(s), " ")
	for i, p := range parts {
		parts[i] = unescapeItem(p)
	}
	return parts
}

// Has reports whether the set contains item (system flags match
// case-insensitively).
func (s FlagSet) Has(item string) bool {
	want := escapeItem(canonicalSystemFlag(item))
	for p := range strings.SplitSeq(string(s), " ") {
		if p == want {
			return true
		}
	}
	return false
}

// Valid reports whether s is in canonical form. It does not allocate.
func (s FlagSet) Valid() bool {
	prev := ""
	for rest, more := string(s), s != ""; more; {
		var item string
		item, rest, more = strings.Cut(rest, " ")
		if !validItem(item) || (prev != "" && item <= prev) {
			return false
		}
		prev = item
	}
	return true
}

// validItem reports whether item is one escaped, canonical item.
func validItem(item string) bool {
	if item == "" || !utf8.ValidString(item) || canonicalSystemFlag(item) != item {
		return false
	}
	for i := 0; i < len(item); i++ {
		c := item[i]
		if c != '%' {
			if needsEscape(rune(c)) {
				return false
			}
			continue
		}
		if i+2 >= len(item) {
			return false
		}
		v, ok := unhex(item[i+1], item[i+2])
		if !ok || !needsEscape(rune(v)) {
			return false
		}
		i += 2
	}
	return true
}

// check returns an error naming what when s is not canonical.
func (s FlagSet) check(what string) error {
	if !s.Valid() {
		return fmt.Errorf("statedb: %s %q is not a canonical flag set (use MakeFlagSet)", what, string(s))
	}
	return nil
}

// escapeItem writes '%', ' ' and control characters as %XX.
func escapeItem(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(rune(c)) {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func needsEscape(r rune) bool { return r == '%' || r == ' ' || r < 0x20 || r == 0x7f }

// unescapeItem reverses escapeItem; malformed escapes are kept literally
// (Valid then reports the set as non-canonical).
func unescapeItem(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, ok := unhex(s[i+1], s[i+2]); ok {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
