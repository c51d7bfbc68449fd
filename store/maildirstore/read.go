package maildirstore

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/mailmsg"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// maxHeaderBytes bounds how much of a file is read to find its Message-ID.
const maxHeaderBytes = 256 << 10

// FetchBodies streams the files of uids in wire form (LF turned into CRLF
// while reading). Messages whose file is gone are skipped. The files are
// looked up a batch at a time (locateMany), not one state query each.
func (m *Mailbox) FetchBodies(ctx context.Context, uids []store.UID, fn func(store.Message, io.Reader) error) error {
	if err := m.Flush(ctx); err != nil {
		return err
	}
	for len(uids) > 0 {
		chunk := uids[:min(len(uids), defaultBatch)]
		uids = uids[len(chunk):]
		found, err := m.locateMany(ctx, chunk)
		if err != nil {
			return m.err("fetch", err)
		}
		for _, uid := range chunk {
			if err := ctx.Err(); err != nil {
				return &store.Error{Scope: store.ScopeCanceled, Op: "fetch", Mailbox: m.name, Err: err}
			}
			x, ok := found[uid]
			if !ok {
				if err := m.restamp(ctx, uid); err != nil {
					return err
				}
				continue
			}
			if err := m.fetchOne(ctx, uid, x, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchOne passes the file of uid, as locateMany found it, to fn.
func (m *Mailbox) fetchOne(ctx context.Context, uid store.UID, x indexed, fn func(store.Message, io.Reader) error) error {
	msg, e := x.msg, x.entry
	f, err := os.Open(e.Path(m.folder))
	if errors.Is(err, os.ErrNotExist) {
		return m.restamp(ctx, uid) // renamed between locate and open
	}
	if err != nil {
		return m.errUID("fetch", uid, err)
	}
	defer f.Close()
	if edited, err := m.editedSinceScan(ctx, f, msg); edited || err != nil {
		return err // skipped: the next scan indexes it as a new message
	}
	meta := store.Message{UID: uid, Flags: storeFlags(msg.Flags), Size: msg.Size, InternalDate: msg.MTime.Truncate(time.Second)}
	keywords := m.s.headerItems()
	file, tuid := fileFields(bufio.NewReaderSize(f, 64<<10), keywords)
	if tuid > 0 && msg.Size > 0 {
		// An index written before X-TUID was left out of sizes holds the
		// size with it, and the message was listed (an APPEND announces
		// the listed size) with it: such a file is sent with its X-TUID.
		whole := func() io.Reader { return io.NewSectionReader(f, 0, math.MaxInt64) }
		n, err := fileWireSize(whole(), keywords)
		if err != nil {
			return m.errUID("fetch", uid, err)
		}
		if n != msg.Size {
			file, _ = dropFields(bufio.NewReaderSize(whole(), 64<<10), false, keywords)
		}
	}
	var body io.Reader = maildir.NewToCRLFReader(file)
	if msg.Size > 0 {
		body = &exactReader{r: body, left: msg.Size, mailbox: m.name, uid: uid}
	}
	return fn(meta, body)
}

// restamp marks an indexed message whose file a fetch could not find (a
// mail reader moved it away, perhaps to bring it back under the same
// name) with a new scan generation: the caller skips it this run and
// records a checkpoint past its old stamp, so without a new one it would
// never be reported again. A message no longer indexed is left alone.
func (m *Mailbox) restamp(ctx context.Context, uid store.UID) error {
	m.scanned = false
	return m.record(ctx, "fetch", func(tx *statedb.Tx) error {
		msg, found, err := tx.NearMessageByUID(m.id, uint32(uid))
		if err != nil || !found {
			return err
		}
		if err := m.bumpGeneration(tx); err != nil {
			return err
		}
		if err := forgetScan(tx, m.id); err != nil {
			return err // the file is not where the index has it: look at every file next scan
		}
		msg.ChangedGen = m.gen
		return tx.UpdateNearMessage(msg)
	})
}

// editedSinceScan reports whether the open file of msg was changed in
// place since the scan that recorded it (its mtime differs): its recorded
// size is stale and it must not be sent as msg. The folder's checkpoint is
// then cleared, so the next scan looks at every file (findEdited) and
// indexes this one as a new message replacing msg.
func (m *Mailbox) editedSinceScan(ctx context.Context, f *os.File, msg statedb.NearMessage) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, m.errUID("fetch", store.UID(msg.UID), err)
	}
	if msg.MTime.IsZero() || st.ModTime().Equal(msg.MTime) {
		return false, nil
	}
	m.s.log.Info("message file changed since it was scanned; it will be synced as a new message",
		"mailbox", m.name, "uid", msg.UID, "file", msg.FileName)
	m.scanned = false
	return true, m.record(ctx, "fetch", func(tx *statedb.Tx) error { return forgetScan(tx, m.id) })
}

// ErrChangedWhileReading: a message file did not have the size its scan
// recorded when it was read (edited in place while being sent). The
// reader fails rather than give a peer fewer or more bytes than were
// announced.
var ErrChangedWhileReading = errors.New("message file changed while it was read")

// exactReader passes exactly left bytes from r and fails with
// ErrChangedWhileReading if r ends before or goes on after them.
type exactReader struct {
	r       io.Reader
	left    int64
	mailbox string
	uid     store.UID
	err     error
}

// Read fails on the read that completes the count when more bytes follow
// (a consumer that reads exactly the announced count stops there), and on
// an early end.
func (x *exactReader) Read(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	if x.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > x.left {
		p = p[:x.left]
	}
	n, err := x.r.Read(p)
	x.left -= int64(n)
	switch {
	case x.left > 0 && err == io.EOF:
		return n, x.fail()
	case x.left > 0 || (err != nil && err != io.EOF):
		return n, err
	}
	var one [1]byte
	if m, _ := io.ReadFull(x.r, one[:]); m > 0 {
		return n, x.fail()
	}
	return n, io.EOF
}

func (x *exactReader) fail() error {
	x.err = &store.Error{Scope: store.ScopeMessage, Op: "fetch", Mailbox: x.mailbox, UID: x.uid, Err: ErrChangedWhileReading}
	return x.err
}

// messageID reads the Message-ID of an indexed file and, when it has
// none, the hash of its header block (store.Identity).
func (m *Mailbox) messageID(nm statedb.NearMessage) (id, headerHash string, err error) {
	p := maildir.Entry{Subdir: nm.Subdir, File: nm.FileName}.Path(m.folder)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", "", errVanished
	}
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	h, err := mailmsg.ReadHeaderLimit(bufio.NewReader(f), maxHeaderBytes)
	if err != nil && h == nil {
		return "", "", err
	}
	if id := store.NormalizeMessageID(h.MessageID()); id != "" {
		return id, "", nil
	}
	return "", mailmsg.HeaderHash(h), nil
}

// Find returns the indexed messages matching q, in UID order. It flushes
// pending appends and rescans first, so a file delivered by a run that
// crashed is found.
func (m *Mailbox) Find(ctx context.Context, q store.Query) ([]store.Message, error) {
	if err := m.refresh(ctx); err != nil {
		return nil, err
	}
	var cands []statedb.NearMessage
	keep := func(nm statedb.NearMessage) bool {
		if q.Size != 0 && nm.Size != q.Size {
			return false
		}
		return q.InternalDate.IsZero() || nm.MTime.Unix() == q.InternalDate.Unix()
	}
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		after := uint32(0)
		if q.MinUID > 0 {
			after = uint32(q.MinUID) - 1
		}
		return tx.IterateNearMessages(m.id, after, func(nm statedb.NearMessage) error {
			if keep(nm) {
				cands = append(cands, nm)
			}
			return nil
		})
	})
	if err != nil {
		return nil, m.err("find", err)
	}
	var out []store.Message
	var rescan map[string]maildir.Entry
	for _, nm := range cands {
		msg := store.Message{UID: store.UID(nm.UID), Flags: storeFlags(nm.Flags), Size: nm.Size, InternalDate: nm.MTime.Truncate(time.Second)}
		if q.MessageID != "" {
			var id string
			err := m.readNow(ctx, nm, &rescan, func(nm statedb.NearMessage) (err error) {
				id, _, err = m.messageID(nm)
				return err
			})
			if err != nil {
				return nil, m.errUID("find", msg.UID, err)
			}
			if id != store.NormalizeMessageID(q.MessageID) {
				continue
			}
			msg.MessageID = id
		}
		out = append(out, msg)
	}
	return out, nil
}
