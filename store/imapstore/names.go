package imapstore

import (
	"fmt"
	"strings"

	"github.com/imapdir/imapdir/store"
)

// names maps neutral mailbox names ("Archive/2024", "INBOX") to the
// server's (UTF-8, its hierarchy delimiter, under its personal namespace
// prefix) and back. The wire encoding (modified UTF-7, RFC 3501 §5.1.3, or
// UTF-8 under RFC 6855) is the encoder's and ParseList's business.
//
// INBOX is special (RFC 9051 §5.1): its name is case-insensitive and it is
// never under the prefix, so on a server with the personal prefix "INBOX."
// the neutral "Sent" is "INBOX.Sent" and the neutral "INBOX" is "INBOX".
type names struct {
	prefix string   // personal namespace prefix (RFC 2342), e.g. "INBOX." or ""
	delim  rune     // hierarchy delimiter; 0 for a flat server
	others []string // prefixes of the other users' and shared namespaces
}

// toServer returns the server's name for a neutral one. A neutral level
// holding the server's delimiter cannot be expressed and is an error.
func (n names) toServer(neutral string) (string, error) {
	if strings.EqualFold(neutral, "INBOX") {
		return "INBOX", nil
	}
	if neutral == "" || strings.HasPrefix(neutral, "/") || strings.HasSuffix(neutral, "/") || strings.Contains(neutral, "//") {
		return "", fmt.Errorf("mailbox name %q has an empty level: %w", neutral, store.ErrUnsupported)
	}
	levels := strings.Split(neutral, "/")
	if n.delim == 0 && len(levels) > 1 {
		return "", fmt.Errorf("mailbox %q is nested but the server has no hierarchy: %w", neutral, store.ErrUnsupported)
	}
	if n.delim != 0 && n.delim != '/' {
		for _, l := range levels {
			if strings.ContainsRune(l, n.delim) {
				return "", fmt.Errorf("mailbox name %q holds the server's delimiter %q: %w", neutral, n.delim, store.ErrUnsupported)
			}
		}
	}
	return n.prefix + strings.Join(levels, string(n.delim)), nil
}

// toNeutral returns the neutral name of a server name, or false for names
// outside the personal namespace and names that have no neutral form (a
// level holding "/" on a server whose delimiter is not "/").
func (n names) toNeutral(server string) (string, bool) {
	if strings.EqualFold(server, "INBOX") {
		return "INBOX", true
	}
	rest, ok := cutPrefixFold(server, n.prefix)
	if !ok || rest == "" || n.foreign(server) {
		return "", false
	}
	if n.delim == 0 || n.delim == '/' {
		return rest, true
	}
	if strings.ContainsRune(rest, '/') {
		return "", false
	}
	return strings.ReplaceAll(rest, string(n.delim), "/"), true
}

// foreign reports whether server lies in another user's or a shared
// namespace (whose prefix is longer than the personal one, which may be "").
func (n names) foreign(server string) bool {
	for _, p := range n.others {
		if len(p) > len(n.prefix) && strings.HasPrefix(server, p) {
			return true
		}
		if p != "" && strings.TrimSuffix(p, string(n.delim)) == server {
			return true
		}
	}
	return false
}

// cutPrefixFold is strings.CutPrefix with the prefix's INBOX part compared
// case-insensitively ("inbox." is the same prefix as "INBOX.").
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) {
		return "", false
	}
	head := s[:len(prefix)]
	if head == prefix || (strings.HasPrefix(strings.ToUpper(prefix), "INBOX") && strings.EqualFold(head, prefix)) {
		return s[len(prefix):], true
	}
	return "", false
}
