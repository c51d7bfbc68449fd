package imapstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// Append sends APPEND mailbox (flags) "date" {size} (RFC 9051 §6.3.12)
// with the body streamed from m.Body as the literal (non-synchronizing
// with LITERAL+, RFC 7888). A body of unknown size (Size -1) is first
// spooled to a temporary file in Options.SpoolDir. With UIDPLUS the
// APPENDUID code (RFC 4315 §3) gives the new UID; otherwise 0 is returned
// and the caller uses Find. Gmail labels are set after the APPEND with
// UID STORE +X-GM-LABELS (they need the UID); without X-GM-EXT-1 they are
// ignored (Features.GmailLabels is false).
//
// A refusal of the message itself (NO without TRYCREATE/OVERQUOTA) is
// graded ScopeMessage.
func (m *Mailbox) Append(ctx context.Context, msg store.NewMessage) (store.UID, error) {
	if err := m.begin(ctx, "append"); err != nil {
		return 0, err
	}
	body, size, cleanup, err := m.sized(msg)
	if err != nil {
		return 0, store.Errorf(store.ScopeMessage, false, "append", m.name, 0, "%w", err)
	}
	defer cleanup()
	args := []imap.Value{imap.Atom("APPEND"), imap.Mailbox(m.srv), fromFlags(msg.Flags)}
	if !msg.InternalDate.IsZero() {
		args = append(args, imap.Str(imap.FormatDateTime(msg.InternalDate)))
	}
	res, err := m.command(ctx, append(args, imap.Literal(size, body))...)
	if err != nil {
		return 0, m.appendErr(err)
	}
	m.appended = true
	uid := m.appendUID(res.Tagged)
	if uid != 0 && len(msg.Labels) > 0 && m.s.caps.gmail {
		ch := store.FlagChange{UIDs: []store.UID{uid}, AddLabels: msg.Labels}
		if err := m.storeLabels(ctx, ch, imap.UIDSet{}); err != nil {
			return uid, m.done("append labels", uid, err)
		}
	}
	return uid, nil
}

// appendUID reads APPENDUID; a UIDVALIDITY other than the selected one's
// (the mailbox was recreated meanwhile) gives 0.
func (m *Mailbox) appendUID(tagged *imap.Response) store.UID {
	if !m.s.caps.uidPlus || tagged == nil || tagged.Code != imap.CodeAppendUID {
		return 0
	}
	au, err := imap.ParseAppendUID(tagged.CodeArgs)
	if err != nil || au.UIDValidity != m.status.UIDValidity {
		return 0
	}
	uids, ok := au.UIDs.Nums()
	if !ok || len(uids) != 1 {
		return 0
	}
	return store.UID(uids[0])
}

// appendErr grades an APPEND failure: the message's fault unless the
// mailbox is missing, the account over quota, or the connection failed.
func (m *Mailbox) appendErr(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) && !brokenConn(err) {
		switch ie.Code {
		case imap.CodeTryCreate, imap.CodeNonExistent, imap.CodeOverQuota, imap.CodeUnavailable, imap.CodeInUse:
		default:
			return store.Errorf(store.ScopeMessage, false, "append", m.name, 0, "%w", err)
		}
	}
	return m.done("append", 0, err)
}

// sized returns the body with its size, spooling a body of unknown size to
// a temporary file first; cleanup removes the file.
func (m *Mailbox) sized(msg store.NewMessage) (io.Reader, int64, func(), error) {
	if msg.Body == nil {
		return nil, 0, nil, errors.New("imapstore: NewMessage.Body is nil")
	}
	if msg.Size >= 0 {
		return msg.Body, msg.Size, func() {}, nil
	}
	f, err := os.CreateTemp(m.s.opts.SpoolDir, "imapstore-append-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("imapstore: spooling a message of unknown size: %w", err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, msg.Body)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("imapstore: spooling a message to %s: %w", f.Name(), err)
	}
	return f, n, cleanup, nil
}

// Flush does nothing: the server's OK to APPEND means the message is
// stored.
func (m *Mailbox) Flush(ctx context.Context) error {
	return canceled(ctx, "flush", m.name)
}
