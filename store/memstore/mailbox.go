package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/imapdir/imapdir/store"
)

// mailbox is an open store.Mailbox. Its fields after s are guarded by s.mu.
type mailbox struct {
	s        *Store
	b        *box
	validity uint32 // UIDVALIDITY at open: UID-addressed calls need it unchanged
	status   store.Status
	closed   bool
}

var _ store.Mailbox = (*mailbox)(nil)

// Name returns the mailbox's current name (it follows renames).
func (m *mailbox) Name() string {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	return m.b.name
}

// Status returns the status as of opening or the last List or Changes.
func (m *mailbox) Status() store.Status {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	return m.status
}

// begin runs the op hook for op, outside the lock.
func (m *mailbox) begin(ctx context.Context, op string) error {
	return m.s.op(ctx, op, m.Name())
}

// usable fails when the store or the handle is closed or the mailbox was
// deleted. Call with s.mu held.
func (m *mailbox) usable(op string) error {
	if err := m.s.usable(op, m.b.name); err != nil {
		return err
	}
	if m.closed {
		return store.Errorf(store.ScopeMailbox, false, op, m.b.name, 0, "memstore: mailbox closed")
	}
	if m.b.deleted {
		return store.Errorf(store.ScopeMailbox, false, op, m.b.name, 0, "deleted while open: %w", store.ErrMailboxNotFound)
	}
	return nil
}

// usableUIDs is usable, and also fails when the UIDVALIDITY changed since
// the mailbox was opened: UIDs given by the caller would name other
// messages. Call with s.mu held.
func (m *mailbox) usableUIDs(op string) error {
	if err := m.usable(op); err != nil {
		return err
	}
	if m.b.validity != m.validity {
		return store.Errorf(store.ScopeMailbox, false, op, m.b.name, 0,
			"memstore: UIDVALIDITY changed from %d to %d since open; reopen the mailbox", m.validity, m.b.validity)
	}
	return nil
}

// writable is usable, and also fails on a read-only mailbox. Call with
// s.mu held.
func (m *mailbox) writable(op string) error {
	if err := m.usable(op); err != nil {
		return err
	}
	if m.b.readOnly {
		return store.Errorf(store.ScopeMailbox, false, op, m.b.name, 0, "%w", store.ErrReadOnly)
	}
	return nil
}

// List streams metadata in ascending UID order in batches. Messages
// appended during the listing are not included. The batch slice is zeroed
// after fn returns, so a caller keeping it sees the mistake.
func (m *mailbox) List(ctx context.Context, opts store.ListOptions, fn func([]store.Message) error) error {
	if err := m.begin(ctx, OpList); err != nil {
		return err
	}
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	next := max(opts.MinUID, 1)
	buf := make([]store.Message, 0, size)
	var end store.UID
	for first := true; ; first = false {
		if err := ctx.Err(); err != nil {
			return canceled(OpList, m.Name(), err)
		}
		m.s.mu.Lock()
		if err := m.usable(OpList); err != nil {
			m.s.mu.Unlock()
			return err
		}
		if first {
			m.status = m.s.status(m.b)
			end = m.b.uidNext
			if opts.MaxUID != 0 {
				end = min(end, opts.MaxUID+1)
			}
		}
		for i := m.b.index(next); i < len(m.b.msgs) && len(buf) < size && m.b.msgs[i].uid < end; i++ {
			buf = append(buf, m.s.export(m.b.msgs[i], opts.WithMessageID))
		}
		m.s.mu.Unlock()
		if len(buf) == 0 {
			return nil
		}
		next = buf[len(buf)-1].UID + 1
		if err := fn(buf); err != nil {
			return err
		}
		clear(buf)
		buf = buf[:0]
	}
}

// FetchBodies streams the bodies of uids in the order given, skipping UIDs
// not in the mailbox. The OnOp hook sees OpFetch once per call and
// OpFetchBody before each body.
func (m *mailbox) FetchBodies(ctx context.Context, uids []store.UID, fn func(store.Message, io.Reader) error) error {
	if err := m.begin(ctx, OpFetch); err != nil {
		return err
	}
	for _, uid := range uids {
		m.s.mu.Lock()
		if err := m.usableUIDs(OpFetch); err != nil {
			m.s.mu.Unlock()
			return err
		}
		msg := m.b.find(uid)
		var meta store.Message
		var body []byte
		if msg != nil {
			meta, body = m.s.export(msg, false), msg.body
		}
		m.s.mu.Unlock()
		if msg == nil {
			continue
		}
		if err := m.s.op(ctx, OpFetchBody, m.Name()); err != nil {
			return err
		}
		if err := fn(meta, bytes.NewReader(body)); err != nil {
			return err
		}
	}
	return nil
}

// Append stores the message and returns its UID (0 without
// Features.UIDPlus). It stays volatile until Flush: Crash drops it. A body
// whose length differs from a known nm.Size is refused.
func (m *mailbox) Append(ctx context.Context, nm store.NewMessage) (store.UID, error) {
	name := m.Name()
	if err := m.begin(ctx, OpAppend); err != nil {
		return 0, err
	}
	if nm.Body == nil {
		return 0, store.Errorf(store.ScopeMessage, false, OpAppend, name, 0, "memstore: no body")
	}
	body, err := io.ReadAll(ctxReader{ctx, nm.Body})
	if err != nil {
		if ctx.Err() != nil {
			return 0, canceled(OpAppend, name, err)
		}
		return 0, store.Errorf(store.ScopeMessage, true, OpAppend, name, 0, "read body: %w", err)
	}
	if nm.Size >= 0 && int64(len(body)) != nm.Size {
		return 0, store.Errorf(store.ScopeMessage, false, OpAppend, name, 0,
			"memstore: body has %d bytes, size said %d", len(body), nm.Size)
	}
	if m.s.opts.StoreAs != nil {
		body = m.s.opts.StoreAs(body)
	}
	msg := m.s.newMessage(body, nm.Flags, nm.Labels, nm.InternalDate)
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.writable(OpAppend); err != nil {
		return 0, err
	}
	m.s.assignIDs(msg)
	uid := m.b.add(msg)
	if !m.s.feat.UIDPlus {
		return 0, nil
	}
	return uid, nil
}

// Flush makes every message of the mailbox durable.
func (m *mailbox) Flush(ctx context.Context) error {
	if err := m.begin(ctx, OpFlush); err != nil {
		return err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usable(OpFlush); err != nil {
		return err
	}
	for _, msg := range m.b.msgs {
		msg.durable = true
	}
	return nil
}

// Find returns the messages matching q in ascending UID order, with
// MessageID filled. Message-IDs compare as store.NormalizeMessageID has them.
func (m *mailbox) Find(ctx context.Context, q store.Query) ([]store.Message, error) {
	name := m.Name()
	if err := m.begin(ctx, OpFind); err != nil {
		return nil, err
	}
	if q.MessageID == "" && q.Size == 0 {
		return nil, store.Errorf(store.ScopeMessage, false, OpFind, name, 0, "memstore: query needs a Message-ID or a size")
	}
	want := store.NormalizeMessageID(q.MessageID)
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usable(OpFind); err != nil {
		return nil, err
	}
	var out []store.Message
	for i := m.b.index(q.MinUID); i < len(m.b.msgs); i++ {
		msg := m.b.msgs[i]
		if (want != "" && msg.msgID != want) || (q.Size != 0 && int64(len(msg.body)) != q.Size) {
			continue
		}
		if !q.InternalDate.IsZero() && msg.date.Unix() != q.InternalDate.Unix() {
			continue
		}
		out = append(out, m.s.export(msg, true))
	}
	return out, nil
}

// Close releases the handle; closing twice is harmless.
func (m *mailbox) Close() error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.s.open--
	}
	return nil
}

// newMessage builds a message from what an append gives, keeping what the
// features allow.
func (s *Store) newMessage(body []byte, flags store.Flags, labels []string, date time.Time) *message {
	if date.IsZero() {
		date = s.opts.Now()
	}
	id, hh := store.HeaderIdentityBytes(body)
	return &message{
		body: body, flags: s.keepFlags(flags), labels: s.keepLabels(labels),
		msgID: id, hdrHash: hh, date: date.Round(0).Truncate(time.Second),
	}
}

// assignIDs gives msg a fresh EmailID and ThreadID. Call with s.mu held.
func (s *Store) assignIDs(msg *message) {
	s.emailSeq++
	msg.emailID = fmt.Sprintf("M%010d", s.emailSeq)
	msg.threadID = "T" + msg.emailID[1:]
}

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
