package imapstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// FetchBodies fetches the bodies of uids. When uids ascend (as the engine
// asks) it streams them with one command straight from the socket to fn
// (streamBodies): memory does not grow with body sizes. Otherwise it
// fetches with UID FETCH set (UID FLAGS … BODY.PEEK[]) (RFC 9051 §6.4.5;
// PEEK keeps \Seen), in batches of about
// Options.FetchWindow bytes (the count per batch adapts to the sizes
// seen). The command of the next batch is sent while the current one is
// received, and a batch is fetched while fn consumes the one before, so
// the connection stays busy. Each body goes from the socket into memory, or
// into a temporary file when larger than a quarter of the window, and is
// handed to fn in the order of uids; UIDs the server no longer has are
// skipped. Memory stays within a few windows.
func (m *Mailbox) FetchBodies(ctx context.Context, uids []store.UID, fn func(store.Message, io.Reader) error) error {
	if err := m.begin(ctx, "fetch"); err != nil {
		return err
	}
	if len(uids) == 0 {
		return nil // no UID FETCH with an empty set (RFC 9051 §9 sequence-set)
	}
	if m.s.caps.binary {
		g := &nulGuard{m: m, fn: fn, limit: m.s.opts.FetchWindow / 4}
		defer g.release()
		if err := m.fetchBodies(ctx, uids, g.deliver); err != nil {
			return err
		}
		return m.done("fetch", 0, g.finish(ctx))
	}
	return m.fetchBodies(ctx, uids, fn)
}

// fetchBodies is FetchBodies of BODY[] as the server sends it.
func (m *Mailbox) fetchBodies(ctx context.Context, uids []store.UID, fn func(store.Message, io.Reader) error) error {
	if ascending(uids) {
		return m.done("fetch", 0, m.streamBodies(ctx, uids, fn))
	}
	sink := &bodySink{bySeq: make(map[imap.SeqNum]*spooled), byUID: make(map[store.UID]*spooled)}
	defer sink.releaseAll()
	out := make(chan *bodyBatch, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { m.produceBodies(ctx, uids, sink, out, stop) })
	var err error
	for b := range out {
		if err == nil {
			err = b.err
		}
		if err == nil {
			err = sink.failed()
		}
		if err == nil {
			err = sink.deliver(b.order, fn)
		}
		if err != nil {
			closeOnce(stop)
		}
	}
	wg.Wait()
	if err != nil {
		return m.done("fetch", 0, err)
	}
	return nil
}

// bodyBatch is one UID FETCH of bodies: the UIDs asked, in the caller's
// order, and how the command ended.
type bodyBatch struct {
	order []store.UID
	err   error
}

// bodySink holds the bodies received and not yet delivered. With two
// commands in flight a server may interleave their responses (Dovecot runs
// pipelined FETCHes in parallel), and the client hands every FETCH
// response to the oldest command: so bodies are collected here for the
// whole call, keyed by UID, rather than per command. A batch is delivered
// once its command completed, by when all its responses have arrived.
type bodySink struct {
	mu    sync.Mutex
	bySeq map[imap.SeqNum]*spooled // body read, FETCH response not yet complete
	byUID map[store.UID]*spooled
	// mismatch is the first body that did not match its listed message
	// (verify.go): it fails the call before more is delivered.
	mismatch error
}

// failed returns the mismatch error, if any.
func (s *bodySink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mismatch
}

// spooled is one fetched body and its metadata.
type spooled struct {
	msg  store.Message
	size int64
	mem  []byte
	file *os.File
}

func (sp *spooled) reader() io.Reader {
	if sp.file != nil {
		return io.NewSectionReader(sp.file, 0, sp.size)
	}
	return bytes.NewReader(sp.mem)
}

// release removes the temporary file, if any.
func (sp *spooled) release() {
	if sp != nil && sp.file != nil {
		sp.file.Close()
		os.Remove(sp.file.Name())
	}
}

// body records a body read off the socket (reader goroutine).
func (s *bodySink) body(seq imap.SeqNum, sp *spooled) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bySeq[seq].release()
	s.bySeq[seq] = sp
}

// message pairs a completed FETCH response with its body (reader
// goroutine).
func (s *bodySink) message(m *Mailbox, fd *imap.FetchData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.bySeq[fd.Seq]
	if sp == nil || fd.UID == 0 {
		return
	}
	delete(s.bySeq, fd.Seq)
	sp.msg = m.s.toMessage(fd)
	if why := m.listed.mismatch(sp.msg, sp); why != "" {
		sp.release()
		if s.mismatch == nil { // the mailbox fails; the next run fetches again
			s.mismatch = store.Errorf(store.ScopeMailbox, true, "fetch", m.name, sp.msg.UID,
				"the body the server sent as UID %d does not match the listed message (%s): not stored", sp.msg.UID, why)
		}
		return
	}
	s.byUID[sp.msg.UID].release()
	s.byUID[sp.msg.UID] = sp
}

// take removes and returns the body of uid, or nil.
func (s *bodySink) take(uid store.UID) *spooled {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.byUID[uid]
	delete(s.byUID, uid)
	return sp
}

// sizeOf returns the received bytes and messages of uids.
func (s *bodySink) sizeOf(uids []store.UID) (int64, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	var k int
	for _, uid := range uids {
		if sp := s.byUID[uid]; sp != nil {
			n += sp.size
			k++
		}
	}
	return n, k
}

// deliver calls fn for uids in order, skipping those not received.
func (s *bodySink) deliver(uids []store.UID, fn func(store.Message, io.Reader) error) error {
	for _, uid := range uids {
		sp := s.take(uid)
		if sp == nil {
			continue
		}
		err := fn(sp.msg, sp.reader())
		sp.release()
		if err != nil {
			return fmt.Errorf("uid %d: %w", uid, err)
		}
	}
	return nil
}

// releaseAll removes every temporary file left.
func (s *bodySink) releaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.bySeq {
		sp.release()
	}
	for _, sp := range s.byUID {
		sp.release()
	}
	clear(s.bySeq)
	clear(s.byUID)
}

// produceBodies fetches the batches in order until done, failed or
// stopped. The command of batch k+1 is sent while batch k is still being
// received, so the server always has the next command waiting and no
// round trip is lost between batches (RFC 9051 §5.5 pipelining).
func (m *Mailbox) produceBodies(ctx context.Context, uids []store.UID, sink *bodySink, out chan<- *bodyBatch, stop <-chan struct{}) {
	defer close(out)
	est := sizeEstimate{window: m.s.opts.FetchWindow, n: 64}
	var prev *pendingBatch
	for len(uids) > 0 || prev != nil {
		var next *pendingBatch
		if len(uids) > 0 && (prev == nil || !prev.failedEarly()) {
			k := min(est.n, len(uids))
			next = m.launch(ctx, uids[:k], sink)
			uids = uids[k:]
		}
		if prev != nil {
			b := prev.wait()
			est.add(sink.sizeOf(b.order))
			if !send(out, b, stop) || b.err != nil {
				if next != nil {
					next.wait()
				}
				return
			}
		}
		prev = next
	}
}

// pendingBatch is a batch whose command runs on its own goroutine.
type pendingBatch struct {
	b    *bodyBatch
	done chan struct{}
}

// launch starts the fetch of uids.
func (m *Mailbox) launch(ctx context.Context, uids []store.UID, sink *bodySink) *pendingBatch {
	p := &pendingBatch{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer func() {
			if r := recover(); r != nil {
				p.b = &bodyBatch{order: uids, err: m.panicked(r)}
			}
		}()
		p.b = m.fetchBatch(ctx, uids, sink)
	}()
	return p
}

func (p *pendingBatch) wait() *bodyBatch {
	<-p.done
	return p.b
}

// failedEarly reports whether the batch already failed, so that no more
// commands are sent.
func (p *pendingBatch) failedEarly() bool {
	select {
	case <-p.done:
		return p.b.err != nil
	default:
		return false
	}
}

// send hands b to the consumer unless it stopped.
func send(out chan<- *bodyBatch, b *bodyBatch, stop <-chan struct{}) bool {
	select {
	case out <- b:
		return true
	case <-stop:
		return false
	}
}

// sizeEstimate sizes batches to about window bytes from the average body
// size seen so far.
type sizeEstimate struct {
	window, bytes int64
	msgs, n       int
}

func (e *sizeEstimate) add(bytes int64, msgs int) {
	e.bytes += bytes
	e.msgs += msgs
	if e.msgs > 0 && e.bytes > 0 {
		e.n = int(max(1, min(1000, e.window*int64(e.msgs)/e.bytes)))
	}
}

// fetchBatch runs one UID FETCH of bodies into sink.
func (m *Mailbox) fetchBatch(ctx context.Context, uids []store.UID, sink *bodySink) *bodyBatch {
	b := &bodyBatch{order: uids}
	items := append(m.s.metaItems(false), imap.Raw("BODY.PEEK[]"))
	limit := m.s.opts.FetchWindow / 4
	bound := m.listed.bound(uids, m.s.opts.MaxMessageSize)
	opts := &imapclient.FetchOptions{
		Body: func(info imapclient.BodyInfo, r io.Reader) (any, error) {
			if err := checkLiteral(info, bound); err != nil {
				return nil, err
			}
			sp, err := m.spool(info, r, limit)
			if sp != nil {
				sink.body(info.Seq, sp)
			}
			return nil, err
		},
		OnMessage: func(fd *imap.FetchData) error {
			sink.message(m, fd)
			return nil
		},
	}
	set := imap.UIDSetOf(toIMAPUIDs(uids)...)
	if _, err := m.cn.c.UIDFetch(ctx, set, items, opts); err != nil {
		b.err = m.cn.fail(err)
	}
	return b
}

// spool reads one body literal into memory, or into a temporary file when
// it is larger than limit.
func (m *Mailbox) spool(info imapclient.BodyInfo, r io.Reader, limit int64) (*spooled, error) {
	if info.Item != "BODY[]" {
		return nil, nil
	}
	if info.Size <= limit {
		buf := make([]byte, info.Size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return &spooled{mem: buf, size: info.Size}, nil
	}
	f, err := createSpool(m.s.opts.SpoolDir)
	if err != nil {
		return nil, fmt.Errorf("imapstore: spooling a body of %d bytes: %w", info.Size, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, spoolErr("spooling a body to", f, err)
	}
	return &spooled{file: f, size: info.Size}, nil
}
