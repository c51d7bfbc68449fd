package demoserver

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// FlagOp says how SetFlags changes a message's flags (RFC 3501 §6.4.6:
// FLAGS, +FLAGS, -FLAGS).
type FlagOp int

// The flag operations.
const (
	FlagsAdd    FlagOp = iota // +FLAGS
	FlagsRemove               // -FLAGS
	FlagsSet                  // FLAGS (replace)
)

// NewMessage returns a fresh generated message (CRLF line endings) with the
// given subject; successive calls give different, deterministic messages.
func (s *Server) NewMessage(subject string) []byte {
	s.mu.Lock()
	i := s.nextNew
	s.nextNew++
	s.mu.Unlock()
	msg, _ := s.gen.message(spec{Mailbox: "new", Index: i, Subject: subject})
	return msg
}

// AppendMessage adds msg (RFC 5322, CRLF line endings) to mailbox with
// flags (e.g. `\Seen`, "$Forwarded") and internal date (zero: now), as an
// IMAP APPEND would, and returns its UID. Sessions that have the mailbox
// selected learn of it as from any other client.
func (s *Server) AppendMessage(ctx context.Context, mailbox string, msg []byte, flags []string, date time.Time) (uint32, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data, err := s.user.Append(mailbox, literal(msg), &imap.AppendOptions{Flags: toFlags(flags), Time: date})
	if err != nil {
		return 0, fmt.Errorf("demoserver: append to %q: %w", mailbox, err)
	}
	return uint32(data.UID), nil
}

// SetFlags changes the flags of message uid in mailbox, as a UID STORE
// .SILENT would. A UID that does not exist is an error.
func (s *Server) SetFlags(ctx context.Context, mailbox string, uid uint32, op FlagOp, flags ...string) error {
	store := imap.StoreFlags{Op: storeOp(op), Silent: true, Flags: toFlags(flags)}
	return s.withMessage(ctx, mailbox, uid, func(sess *imapmemserver.UserSession, set imap.UIDSet) error {
		return sess.Store(nil, set, &store, nil) // nil writer: never used when Silent
	})
}

// DeleteMessage marks message uid in mailbox \Deleted and expunges it, as
// UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE (RFC 4315 §2.1) would.
func (s *Server) DeleteMessage(ctx context.Context, mailbox string, uid uint32) error {
	store := imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	return s.withMessage(ctx, mailbox, uid, func(sess *imapmemserver.UserSession, set imap.UIDSet) error {
		if err := sess.Store(nil, set, &store, nil); err != nil {
			return err
		}
		return sess.Expunge(nil, &set) // nil writer: the memory backend does not use it
	})
}

// withMessage runs f in a session that has mailbox selected, after
// checking that uid exists there.
func (s *Server) withMessage(ctx context.Context, mailbox string, uid uint32, f func(*imapmemserver.UserSession, imap.UIDSet) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sess := imapmemserver.NewUserSession(s.user)
	defer sess.Close()
	if _, err := sess.Select(mailbox, &imap.SelectOptions{}); err != nil {
		return fmt.Errorf("demoserver: select %q: %w", mailbox, err)
	}
	set := imap.UIDSetNum(imap.UID(uid))
	found, err := sess.Search(imapserver.NumKindUID, &imap.SearchCriteria{UID: []imap.UIDSet{set}}, &imap.SearchOptions{})
	if err != nil {
		return fmt.Errorf("demoserver: %q UID %d: %w", mailbox, uid, err)
	}
	if len(found.AllUIDs()) == 0 {
		return fmt.Errorf("demoserver: %q has no message with UID %d", mailbox, uid)
	}
	if err := f(sess, set); err != nil {
		return fmt.Errorf("demoserver: %q UID %d: %w", mailbox, uid, err)
	}
	return nil
}

// Status returns the current content counts of mailbox.
func (s *Server) Status(mailbox string) (MailboxInfo, error) {
	st, err := s.user.Status(mailbox, &imap.StatusOptions{NumMessages: true, NumUnseen: true, Size: true})
	if err != nil {
		return MailboxInfo{}, fmt.Errorf("demoserver: status %q: %w", mailbox, err)
	}
	return MailboxInfo{Name: mailbox, Messages: int(*st.NumMessages), Unseen: int(*st.NumUnseen), Bytes: *st.Size}, nil
}

func toFlags(flags []string) []imap.Flag {
	out := make([]imap.Flag, len(flags))
	for i, f := range flags {
		out[i] = imap.Flag(f)
	}
	return out
}

func storeOp(op FlagOp) imap.StoreFlagsOp {
	switch op {
	case FlagsRemove:
		return imap.StoreFlagsDel
	case FlagsSet:
		return imap.StoreFlagsSet
	}
	return imap.StoreFlagsAdd
}
