package imapstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

var _ store.Skipper = (*Store)(nil)

// skippedList is the mailboxes the latest ListMailboxes left out.
type skippedList struct {
	mu   sync.Mutex
	list []store.SkippedMailbox
}

func (s *skippedList) set(l []store.SkippedMailbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = l
}

// SkippedMailboxes implements store.Skipper: the server's mailboxes the
// latest ListMailboxes could not give a neutral name.
func (s *Store) SkippedMailboxes() []store.SkippedMailbox {
	s.skipped.mu.Lock()
	defer s.skipped.mu.Unlock()
	return slices.Clone(s.skipped.list)
}

// unusable says why a server name in the personal namespace has no usable
// neutral form ("" when it has one): "/" inside a level on a server whose
// delimiter is another, an empty level ("a//b", or "a..b" with "."), or
// bytes that are not UTF-8 (a UTF8=ACCEPT server's raw name).
func (n names) unusable(server string) string {
	if strings.EqualFold(server, "INBOX") {
		return ""
	}
	rest, ok := cutPrefixFold(server, n.prefix)
	if !ok || rest == "" || n.foreign(server) {
		return "" // not ours: left out without a word
	}
	switch {
	case !utf8.ValidString(rest):
		return "the name is not valid UTF-8"
	case n.delim != 0 && n.delim != '/' && strings.ContainsRune(rest, '/'):
		return fmt.Sprintf("a level holds \"/\", which separates levels in imapdir, while the server's delimiter is %q", n.delim)
	case n.delim != 0 && slices.Contains(strings.Split(rest, string(n.delim)), ""):
		return "the name has an empty level"
	}
	return ""
}

// undecodable lists, by a plain LIST "" "*", the names that LIST parsing
// refused (an invalid modified UTF-7 name such as "&Jjo!"), with why.
func (s *Store) undecodable(ctx context.Context, cn *conn) ([]store.SkippedMailbox, error) {
	res, err := cn.c.Command(ctx, imap.Atom("LIST"), imap.Mailbox(""), imap.Mailbox("*"))
	if err != nil {
		return nil, err
	}
	var out []store.SkippedMailbox
	for _, r := range res.Untagged {
		if r.Name() != "LIST" {
			continue
		}
		if _, perr := imap.ParseList(r, cn.c.Caps().Has(imap.CapIMAP4rev2)); perr != nil {
			name := r.String()
			if args := r.Args(); len(args) >= 3 {
				name, _ = imap.AsString(args[2])
			}
			out = append(out, store.SkippedMailbox{Name: name, Reason: perr.Error()})
		}
	}
	return out, nil
}

// parseOnly reports whether err from imapclient.List holds only response
// parse errors: the command itself succeeded and the listing is usable.
func parseOnly(res *imapclient.ListResult, err error) bool {
	var ie *imap.Error
	return err != nil && res != nil && !errors.As(err, &ie) && !brokenConn(err) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
