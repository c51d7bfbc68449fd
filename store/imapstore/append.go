package imapstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
	"github.com/imapdir/imapdir/store"
)

// Append sends APPEND mailbox (flags) "date" {size} (RFC 9051 §6.3.12)
// with the body streamed from m.Body as the literal (non-synchronizing
// with LITERAL+, RFC 7888). Where the server offers BINARY the literal is a
// literal8 ~{size} (RFC 3516 §4.4), which carries any byte; elsewhere a
// message holding a NUL byte, which a plain literal cannot carry (RFC 9051
// §4.3), is refused at message scope with the reason — never altered — and
// to know that before the literal is announced, the body is read first
// (into memory up to appendBufferMax, else into a file in SpoolDir). A body of unknown size (Size -1) is first
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
	lit := imap.Literal8(size, body)
	if !m.s.caps.binary {
		r, done, err := m.withoutNUL(body, size)
		if err != nil {
			return 0, store.Errorf(store.ScopeMessage, false, "append", m.name, 0, "%w", err)
		}
		defer done()
		lit = imap.Literal(size, r)
	}
	args := []imap.Value{imap.Atom("APPEND"), imap.Mailbox(m.srv), fromFlags(msg.Flags)}
	if !msg.InternalDate.IsZero() {
		args = append(args, imap.Str(imap.FormatDateTime(msg.InternalDate)))
	}
	res, err := m.command(ctx, append(args, lit)...)
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
	if au.UIDs.Len() != 1 { // checked before Nums: the set is the server's word
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
	if errors.Is(err, imapwire.ErrLiteralMismatch) {
		// The body was not what was announced (a file changed while it was
		// sent): this message fails; the connection, out of step, is
		// closed (the command marked it broken) and the mailbox reopened by
		// the next run.
		m.cn.broken.Store(true)
		return store.Errorf(store.ScopeMessage, false, "append", m.name, 0, "%w", err)
	}
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
	f, err := createSpool(m.s.opts.SpoolDir)
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

// appendBufferMax is the largest body checked for NUL in memory before an
// APPEND without BINARY; larger ones are spooled to a file.
const appendBufferMax = 1 << 20

// errNUL is wrapped by the error of a message that holds a NUL byte where
// the server offers no BINARY.
var errNUL = errors.New("the message holds a NUL byte, which this server cannot take (it offers no BINARY, RFC 3516): " +
	"not uploaded, and never altered to fit")

// withoutNUL reads exactly size bytes of body, failing when they hold a
// NUL byte or the body is not size bytes long, and returns a reader of
// them and what releases it.
func (m *Mailbox) withoutNUL(body io.Reader, size int64) (io.Reader, func(), error) {
	if size <= appendBufferMax {
		buf := make([]byte, size)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, nil, fmt.Errorf("imapstore: reading the message (%d bytes announced): %w", size, err)
		}
		if bytes.IndexByte(buf, 0) >= 0 {
			return nil, nil, errNUL
		}
		if err := checkRest(body, size); err != nil {
			return nil, nil, err
		}
		return bytes.NewReader(buf), func() {}, nil
	}
	f, err := os.CreateTemp(m.s.opts.SpoolDir, "imapstore-append-*")
	if err != nil {
		return nil, nil, fmt.Errorf("imapstore: spooling a message to check it: %w", err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	nul := false
	w := writerFunc(func(p []byte) (int, error) {
		nul = nul || bytes.IndexByte(p, 0) >= 0
		return f.Write(p)
	})
	n, err := io.CopyN(w, body, size)
	if err == nil {
		err = checkRest(body, size)
	}
	if err == nil && nul {
		err = errNUL
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("imapstore: spooling a message (%d of %d bytes): %w", n, size, err)
	}
	return f, cleanup, nil
}

// checkRest fails when body, of which size bytes were read, has more.
func checkRest(body io.Reader, size int64) error {
	var one [1]byte
	if k, _ := io.ReadFull(body, one[:]); k > 0 {
		return fmt.Errorf("imapstore: the message is longer than the %d bytes announced", size)
	}
	return nil
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
