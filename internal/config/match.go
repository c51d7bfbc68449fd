package config

import (
	"errors"
	"strings"
)

// Match reports whether the mailbox name (UTF-8, "/" between hierarchy
// levels, as package store spells names) is selected by patterns, the
// folders list of an account.
//
// Each pattern is a glob: "*" matches any run of characters including "/",
// "%" any run not including "/" (as in IMAP LIST, RFC 9051 §6.3.9); every
// other character matches itself. A pattern starting with "!" excludes what
// it matches. Patterns are tried in order and the LAST one that matches
// decides; a name no pattern matches is not selected. So ["*", "!Junk"]
// selects everything but Junk, and ["!Junk", "*"] selects everything.
// "INBOX" as the first level is matched case-insensitively (RFC 9051 §5.1).
func Match(patterns []string, name string) bool {
	name = canonInbox(name)
	selected := false
	for _, pat := range patterns {
		neg := strings.HasPrefix(pat, "!")
		if neg {
			pat = pat[1:]
		}
		if glob(canonInbox(pat), name) {
			selected = !neg
		}
	}
	return selected
}

// checkPattern refuses patterns that can match nothing useful.
func checkPattern(pat string) error {
	if strings.TrimPrefix(pat, "!") == "" {
		return errors.New("empty folder pattern")
	}
	return nil
}

// canonInbox upper-cases a leading "inbox" level in any case.
func canonInbox(s string) string {
	first, rest, found := strings.Cut(s, "/")
	if !strings.EqualFold(first, "INBOX") {
		return s
	}
	if found {
		return "INBOX/" + rest
	}
	return "INBOX"
}

// glob matches name against pat with "*" and "%" wildcards in O(len(pat)·len(name)).
func glob(pat, name string) bool {
	p, n := []rune(pat), []rune(name)
	// ok[j] reports whether p[:i] matches n[:j] for the current i.
	ok := make([]bool, len(n)+1)
	ok[0] = true
	for i := range p {
		next := make([]bool, len(n)+1)
		switch p[i] {
		case '*', '%':
			next[0] = ok[0]
			for j := 1; j <= len(n); j++ {
				extend := next[j-1] && (p[i] == '*' || n[j-1] != '/')
				next[j] = ok[j] || extend
			}
		default:
			for j := 1; j <= len(n); j++ {
				next[j] = ok[j-1] && n[j-1] == p[i]
			}
		}
		ok = next
	}
	return ok[len(n)]
}
