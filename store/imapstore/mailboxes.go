package imapstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// capCreateSpecialUse is RFC 6154 §3's CREATE-SPECIAL-USE.
const capCreateSpecialUse imap.Cap = "CREATE-SPECIAL-USE"

// ListMailboxes lists the personal namespace with LIST "" "*"
// (RFC 9051 §6.3.9), asking for special-use attributes with RETURN
// (SPECIAL-USE) when the server offers SPECIAL-USE and LIST-EXTENDED
// (RFC 6154 §5.1), and in the same round trip for each mailbox's
// MESSAGES, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ and (with OBJECTID)
// MAILBOXID through LIST-STATUS (RFC 5819, RFC 8474 §4.2); a server
// without LIST-STATUS gets one STATUS per mailbox, pipelined. Those states
// let OpenMailbox and Changes skip the SELECT of a mailbox that did not
// change. Names outside the personal namespace and \NonExistent entries
// are left out; parents that are only parents are NoSelect.
func (s *Store) ListMailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	var out []store.MailboxInfo
	err := s.withConn(ctx, "list mailboxes", "", func(cn *conn) error {
		res, err := s.list(ctx, cn)
		var skipped []store.SkippedMailbox
		if parseOnly(res, err) {
			// One bad name does not fail the account: the names that
			// parse are synchronized, the others skipped and reported.
			if skipped, err = s.undecodable(ctx, cn); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		if !s.caps.listStatus {
			if err := s.statusAll(ctx, cn, res); err != nil {
				return err
			}
		}
		if s.Features().MailboxIDs {
			if err := s.mailboxIDs(ctx, cn, res); err != nil {
				return err
			}
		}
		s.cacheStatus(res)
		out, skipped = s.mailboxInfos(res, skipped)
		s.skipped.set(skipped)
		for _, sk := range skipped {
			s.log.Warn("imapstore: mailbox skipped", "mailbox", sk.Name, "reason", sk.Reason)
		}
		return nil
	})
	return out, err
}

// mailboxInfos converts a LIST result, one entry per neutral name; names
// without a usable neutral form are added to skipped.
func (s *Store) mailboxInfos(res *imapclient.ListResult, skipped []store.SkippedMailbox) ([]store.MailboxInfo, []store.SkippedMailbox) {
	var out []store.MailboxInfo
	seen := make(map[string]bool)
	for _, l := range res.Mailboxes {
		if why := s.names.unusable(l.Name); why != "" {
			if !l.HasAttr(imap.AttrNonExistent) {
				skipped = append(skipped, store.SkippedMailbox{Name: l.Name, Reason: why})
			}
			continue
		}
		name, ok := s.names.toNeutral(l.Name)
		if !ok || seen[name] || l.HasAttr(imap.AttrNonExistent) {
			continue
		}
		seen[name] = true
		mi := store.MailboxInfo{
			Name:       name,
			SpecialUse: string(l.SpecialUse()),
			NoSelect:   l.HasAttr(imap.AttrNoSelect),
		}
		for _, a := range l.Attrs {
			mi.Attrs = append(mi.Attrs, string(a))
		}
		if st := res.Status[l.Name]; st != nil && s.Features().MailboxIDs {
			mi.ID = st.MailboxID
		}
		out = append(out, mi)
	}
	return addParents(out, seen), skipped
}

// addParents adds, as NoSelect, the parents of nested names that the
// server did not list (servers that do not create parents, such as
// go-imap's in-memory one): the neutral view always has every level.
func addParents(out []store.MailboxInfo, seen map[string]bool) []store.MailboxInfo {
	for i := range len(out) {
		name := out[i].Name
		for j := strings.LastIndexByte(name, '/'); j > 0; j = strings.LastIndexByte(name, '/') {
			name = name[:j]
			if !seen[name] {
				seen[name] = true
				out = append(out, store.MailboxInfo{Name: name, NoSelect: true, Attrs: []string{string(imap.AttrNoSelect)}})
			}
		}
	}
	return out
}

// CreateMailbox creates name with CREATE (RFC 9051 §6.3.4; the server
// creates missing parents), with the special-use attribute when the server
// offers CREATE-SPECIAL-USE (RFC 6154 §3), and subscribes it so that other
// clients show it.
func (s *Store) CreateMailbox(ctx context.Context, name, specialUse string) error {
	s.prefetch.drop() // see prefetchList
	srv, err := s.serverName("create", name)
	if err != nil {
		return err
	}
	if srv == "INBOX" {
		return store.Errorf(store.ScopeMailbox, false, "create", name, 0, "%w", store.ErrMailboxExists)
	}
	return s.withConn(ctx, "create", name, func(cn *conn) error {
		var uses []imap.MailboxAttr
		if specialUse != "" && cn.c.Caps().Has(capCreateSpecialUse) {
			uses = append(uses, imap.MailboxAttr(specialUse))
		}
		if err := cn.c.Create(ctx, srv, uses...); err != nil {
			return s.existsOr(ctx, cn, srv, err)
		}
		if err := cn.c.Subscribe(ctx, srv); err != nil {
			s.log.Warn("imapstore: subscribing a created mailbox", "mailbox", name, "err", err)
		}
		return nil
	})
}

// existsOr turns a refused CREATE into ErrMailboxExists when the mailbox
// exists (servers without RFC 5530's ALREADYEXISTS code say so in text).
func (s *Store) existsOr(ctx context.Context, cn *conn, srv string, err error) error {
	if imap.HasCode(err, imap.CodeAlreadyExists) || brokenConn(err) {
		return err
	}
	if ok, lerr := s.exists(ctx, cn, srv); lerr == nil && ok {
		return fmt.Errorf("%w: %w", store.ErrMailboxExists, err)
	}
	return err
}

// exists reports whether the server lists srv as a real mailbox.
func (s *Store) exists(ctx context.Context, cn *conn, srv string) (bool, error) {
	res, err := cn.c.List(ctx, "", srv, nil)
	if err != nil {
		return false, err
	}
	for _, l := range res.Mailboxes {
		if !l.HasAttr(imap.AttrNonExistent) && !l.HasAttr(imap.AttrNoSelect) {
			return true, nil
		}
	}
	return false, nil
}

// notFoundOr turns a refusal into ErrMailboxNotFound when the mailbox does
// not exist (servers without RFC 5530's NONEXISTENT code say so in text).
func (s *Store) notFoundOr(ctx context.Context, cn *conn, srv string, err error) error {
	if imap.HasCode(err, imap.CodeNonExistent) || imap.HasCode(err, imap.CodeTryCreate) || brokenConn(err) {
		return err
	}
	if ok, lerr := s.exists(ctx, cn, srv); lerr == nil && !ok {
		return fmt.Errorf("%w: %w", store.ErrMailboxNotFound, err)
	}
	return err
}

// RenameMailbox renames with RENAME (RFC 9051 §6.3.6), which keeps
// UIDVALIDITY and UIDs where the server can and takes the children along.
// The new name is subscribed.
func (s *Store) RenameMailbox(ctx context.Context, old, new string) error {
	s.prefetch.drop() // see prefetchList
	from, err := s.serverName("rename", old)
	if err != nil {
		return err
	}
	to, err := s.serverName("rename", new)
	if err != nil {
		return err
	}
	return s.withConn(ctx, "rename", old, func(cn *conn) error {
		if ok, err := s.exists(ctx, cn, to); err != nil || ok {
			return existsErr(err, new)
		}
		err := cn.c.Rename(ctx, from, to)
		if err != nil && !brokenConn(err) {
			err = s.renameChildren(ctx, cn, from, to, err)
		}
		if err != nil {
			return err
		}
		// Courier-IMAP 5 answers OK to the RENAME of a mailbox that does
		// not exist, renaming nothing.
		if ok, err := s.existsUnder(ctx, cn, to); err != nil || !ok {
			return notFoundErr(err, old)
		}
		if err := cn.c.Subscribe(ctx, to); err != nil {
			s.log.Warn("imapstore: subscribing a renamed mailbox", "mailbox", new, "err", err)
		}
		return nil
	})
}

// renameChildren handles the rename of a parent that exists only as a
// parent (not a mailbox on the server, so RENAME refuses it): each child
// is renamed instead. Without children the original refusal is graded
// ErrMailboxNotFound when the mailbox does not exist.
func (s *Store) renameChildren(ctx context.Context, cn *conn, from, to string, refusal error) error {
	if s.names.delim == 0 {
		return s.notFoundOr(ctx, cn, from, refusal)
	}
	d := string(s.names.delim)
	res, err := cn.c.List(ctx, "", from+d+"*", nil)
	if err != nil {
		return err
	}
	var kids []string
	for _, l := range res.Mailboxes {
		if !l.HasAttr(imap.AttrNonExistent) && !l.HasAttr(imap.AttrNoSelect) {
			kids = append(kids, l.Name)
		}
	}
	if len(kids) == 0 {
		return s.notFoundOr(ctx, cn, from, refusal)
	}
	// Shallowest first; a deeper one that its parent took along is gone.
	slices.SortFunc(kids, func(a, b string) int { return strings.Count(a, d) - strings.Count(b, d) })
	for _, k := range kids {
		err := cn.c.Rename(ctx, k, to+strings.TrimPrefix(k, from))
		if err != nil && !imap.HasCode(err, imap.CodeNonExistent) {
			return fmt.Errorf("renaming child %q of a parent-only mailbox: %w", k, err)
		}
	}
	return nil
}

// existsUnder reports whether srv is a mailbox or has children.
func (s *Store) existsUnder(ctx context.Context, cn *conn, srv string) (bool, error) {
	if ok, err := s.exists(ctx, cn, srv); err != nil || ok || s.names.delim == 0 {
		return ok, err
	}
	res, err := cn.c.List(ctx, "", srv+string(s.names.delim)+"%", nil)
	if err != nil {
		return false, err
	}
	return len(res.Mailboxes) > 0, nil
}

func notFoundErr(err error, name string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %q", store.ErrMailboxNotFound, name)
}

func existsErr(err error, name string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %q", store.ErrMailboxExists, name)
}

// serverName maps a neutral name, grading a name the server cannot hold.
func (s *Store) serverName(op, name string) (string, error) {
	srv, err := s.names.toServer(name)
	if err != nil {
		return "", store.Errorf(store.ScopeMailbox, false, op, name, 0, "%w", err)
	}
	return srv, nil
}

// isInbox reports whether a server name is INBOX.
func isInbox(srv string) bool { return strings.EqualFold(srv, "INBOX") }

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
