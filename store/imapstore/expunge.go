package imapstore

import (
	"context"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// Expunge removes exactly the given messages: UID STORE +FLAGS.SILENT
// (\Deleted), then UID EXPUNGE (RFC 4315 §2.1) with UIDPLUS.
//
// Without UIDPLUS, EXPUNGE (RFC 9051 §6.4.3) would also remove every other
// message marked \Deleted — by the user in a mail reader that hides rather
// than removes, or by another client. The safe behaviour chosen here: the
// other \Deleted messages are found (UID SEARCH DELETED), their flag is
// taken away, EXPUNGE runs, and the flag is put back. A failure or crash in
// between leaves those messages without \Deleted: a flag is lost, never a
// message.
func (m *Mailbox) Expunge(ctx context.Context, uids []store.UID) error {
	if err := m.begin(ctx, "expunge"); err != nil {
		return err
	}
	set := imap.UIDSetOf(toIMAPUIDs(uids)...)
	if set.IsEmpty() {
		return nil
	}
	return m.done("expunge", 0, m.expunge(ctx, set))
}

func (m *Mailbox) expunge(ctx context.Context, set imap.UIDSet) error {
	deleted := imap.List{imap.Flag(store.Deleted)}
	if _, err := m.store(ctx, set, 0, "+FLAGS.SILENT", deleted, new(imap.UIDSet)); err != nil {
		return err
	}
	if m.s.caps.uidPlus {
		for _, part := range set.Split(maxSetLen) {
			if _, err := m.command(ctx, imap.Atom("UID"), imap.Atom("EXPUNGE"), part); err != nil {
				return err
			}
		}
		return nil
	}
	return m.expungeOnly(ctx, set)
}

// expungeOnly runs a plain EXPUNGE that spares the other \Deleted
// messages (see Expunge).
func (m *Mailbox) expungeOnly(ctx context.Context, set imap.UIDSet) error {
	marked, err := m.searchKeys(ctx, imap.Atom("DELETED"))
	if err != nil {
		return err
	}
	others := minus(marked, set)
	deleted := imap.List{imap.Flag(store.Deleted)}
	if !others.IsEmpty() {
		if _, err := m.store(ctx, others, 0, "-FLAGS.SILENT", deleted, new(imap.UIDSet)); err != nil {
			return err
		}
	}
	_, err = m.command(ctx, imap.Atom("EXPUNGE"))
	if !others.IsEmpty() {
		if _, rerr := m.store(ctx, others, 0, "+FLAGS.SILENT", deleted, new(imap.UIDSet)); err == nil {
			err = rerr
		}
	}
	return err
}

// Move moves with UID MOVE (RFC 6851 §3.2) where offered, else with UID
// COPY, then Expunge of the originals (not atomic: a failure after the
// copy leaves the message in both mailboxes, never in none). With UIDPLUS
// the COPYUID code (RFC 4315 §3; sent in an untagged OK before the
// expunges by MOVE, RFC 6851 §4.3) maps old UIDs to new ones. A missing
// destination fails with ErrMailboxNotFound (TRYCREATE) and changes
// nothing.
func (m *Mailbox) Move(ctx context.Context, uids []store.UID, dest string) (map[store.UID]store.UID, error) {
	if err := m.begin(ctx, "move"); err != nil {
		return nil, err
	}
	to, err := m.s.serverName("move", dest)
	if err != nil {
		return nil, err
	}
	set := imap.UIDSetOf(toIMAPUIDs(uids)...)
	out := make(map[store.UID]store.UID)
	for _, part := range set.Split(maxSetLen) {
		if err := m.movePart(ctx, part, to, out); err != nil {
			return out, m.done("move", 0, err)
		}
	}
	return out, nil
}

// movePart moves one chunk and records the UID map.
func (m *Mailbox) movePart(ctx context.Context, part imap.UIDSet, to string, out map[store.UID]store.UID) error {
	verb := "MOVE"
	if !m.s.caps.move {
		verb = "COPY"
	}
	res, err := m.command(ctx, imap.Atom("UID"), imap.Atom(verb), part, imap.Mailbox(to))
	if err != nil {
		return err
	}
	copyUIDs(res.Tagged, out)
	for _, r := range res.Untagged {
		copyUIDs(r, out)
	}
	if verb == "COPY" {
		return m.expunge(ctx, part)
	}
	return nil
}

// maxCopyUIDs bounds the pairs one COPYUID code may add (a UID COPY or
// MOVE of imapstore names far fewer).
const maxCopyUIDs = 1 << 20

// copyUIDs adds the pairs of a COPYUID code to out.
func copyUIDs(r *imap.Response, out map[store.UID]store.UID) {
	if r == nil || r.Code != imap.CodeCopyUID {
		return
	}
	cu, err := imap.ParseCopyUID(r.CodeArgs)
	if err != nil {
		return
	}
	if cu.Dest.Len() != cu.Source.Len() || cu.Source.Len() > maxCopyUIDs {
		return // sizes are the server's word: checked before the sets are expanded
	}
	src, ok1 := cu.Source.Nums()
	dst, ok2 := cu.Dest.Nums()
	if !ok1 || !ok2 || len(src) != len(dst) {
		return
	}
	for i := range src {
		out[store.UID(src[i])] = store.UID(dst[i])
	}
}
