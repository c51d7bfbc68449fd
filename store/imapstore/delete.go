package imapstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/imapdir/imapdir/store"
)

// DeleteMailbox deletes name only if it holds no message at the moment it
// goes. IMAP's DELETE (RFC 9051 §6.3.5) takes the messages along, and a
// STATUS before it leaves a window in which mail delivered meanwhile would
// be deleted unseen. So the mailbox is first renamed (RFC 9051 §6.3.6) to a
// hidden sibling name no one delivers to, then checked there with STATUS
// (MESSAGES), and only then deleted; when the check finds messages (they
// arrived before the rename) or the DELETE is refused, the mailbox is
// renamed back and the error wraps ErrMailboxNotEmpty (or says why). Every
// server we know allows RENAME of a non-INBOX mailbox; INBOX is never
// deleted.
func (s *Store) DeleteMailbox(ctx context.Context, name string) error {
	s.prefetch.drop() // see prefetchList
	srv, err := s.serverName("delete", name)
	if err != nil {
		return err
	}
	if isInbox(srv) {
		return store.Errorf(store.ScopeMailbox, false, "delete", name, 0, "imapstore: INBOX is never deleted")
	}
	return s.withConn(ctx, "delete", name, func(cn *conn) error {
		st, err := cn.c.Status(ctx, srv, "MESSAGES")
		if err != nil {
			return s.notFoundOr(ctx, cn, srv, err)
		}
		if st.Messages > 0 {
			return fmt.Errorf("%w: %d messages", store.ErrMailboxNotEmpty, st.Messages)
		}
		if s.beforeDelete != nil {
			s.beforeDelete()
		}
		hidden, err := hiddenName(srv)
		if err != nil {
			return err
		}
		if err := cn.c.Rename(ctx, srv, hidden); err != nil {
			return s.notFoundOr(ctx, cn, srv, err)
		}
		return s.deleteHidden(ctx, cn, srv, hidden)
	})
}

// deleteHidden deletes the renamed mailbox hidden if it is empty, else
// renames it back to srv.
func (s *Store) deleteHidden(ctx context.Context, cn *conn, srv, hidden string) error {
	st, err := cn.c.Status(ctx, hidden, "MESSAGES")
	if err == nil && st.Messages == 0 {
		if err = cn.c.Delete(ctx, hidden); err == nil {
			return nil
		}
	}
	if err == nil {
		err = fmt.Errorf("%w: %d messages arrived while it was being deleted", store.ErrMailboxNotEmpty, st.Messages)
	}
	if rerr := cn.c.Rename(ctx, hidden, srv); rerr != nil {
		return fmt.Errorf("imapstore: mailbox %q was renamed to %q to be deleted safely, then %w; renaming it back failed "+
			"(its messages are in %q): %w", srv, hidden, err, hidden, rerr)
	}
	return err
}

// hiddenName returns a sibling name of srv for a mailbox about to be
// deleted: a suffix no mail system delivers to, of letters, digits and
// "-" only (Courier-IMAP 5 refuses a RENAME to a name holding "~").
func hiddenName(srv string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("imapstore: naming a mailbox to delete: %w", err)
	}
	return srv + "-imapdir-deleting-" + hex.EncodeToString(b[:]), nil
}
