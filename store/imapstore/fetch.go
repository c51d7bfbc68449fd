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

// FetchBodies fetches the bodies with UID FETCH set (UID FLAGS …
// BODY.PEEK[]) (RFC 9051 §6.4.5; PEEK keeps \Seen), in batches of about
// Options.FetchWindow bytes (the count per batch adapts to the sizes seen).
// A goroutine fetches the next batch while fn consumes the current one, so
// the connection stays busy. Each body goes from the socket into memory,
// or into a temporary file when larger than a quarter of the window, and
// is handed to fn in the order of uids; UIDs the server no longer has are
// skipped. Memory stays within about two windows.
func (m *Mailbox) FetchBodies(ctx context.Context, uids []store.UID, fn func(store.Message, io.Reader) error) error {
	if err := m.begin(ctx, "fetch"); err != nil {
		return err
	}
	out := make(chan *bodyBatch, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { m.produceBodies(ctx, uids, out, stop) })
	var err error
	for b := range out {
		if err == nil {
			err = b.err
		}
		if err == nil {
			err = b.deliver(fn)
		}
		b.release()
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

// bodyBatch is one UID FETCH of bodies.
type bodyBatch struct {
	order []store.UID
	mu    sync.Mutex // the reader goroutine fills, the caller's reads after
	bySeq map[imap.SeqNum]*spooled
	byUID map[store.UID]*spooled
	bytes int64
	err   error
}

// spooled is one fetched body and its metadata.
type spooled struct {
	msg  store.Message
	mem  []byte
	file *os.File
}

func (sp *spooled) reader() io.Reader {
	if sp.file != nil {
		return io.NewSectionReader(sp.file, 0, 1<<62)
	}
	return bytes.NewReader(sp.mem)
}

// deliver calls fn in the batch's order.
func (b *bodyBatch) deliver(fn func(store.Message, io.Reader) error) error {
	for _, uid := range b.order {
		sp := b.byUID[uid]
		if sp == nil {
			continue
		}
		if err := fn(sp.msg, sp.reader()); err != nil {
			return fmt.Errorf("uid %d: %w", uid, err)
		}
	}
	return nil
}

// release removes the batch's temporary files.
func (b *bodyBatch) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sp := range b.bySeq {
		if sp.file != nil {
			sp.file.Close()
			os.Remove(sp.file.Name())
		}
	}
}

// produceBodies fetches the batches in order until done, failed or
// stopped.
func (m *Mailbox) produceBodies(ctx context.Context, uids []store.UID, out chan<- *bodyBatch, stop <-chan struct{}) {
	defer close(out)
	window := m.s.opts.FetchWindow
	n := 64
	for len(uids) > 0 {
		k := min(n, len(uids))
		b := m.fetchBatch(ctx, uids[:k])
		select {
		case out <- b:
		case <-stop:
			b.release()
			return
		}
		if b.err != nil {
			return
		}
		uids = uids[k:]
		if got := len(b.byUID); got > 0 && b.bytes > 0 {
			n = int(max(1, min(1000, window*int64(got)/b.bytes)))
		}
	}
}

// fetchBatch runs one UID FETCH of bodies.
func (m *Mailbox) fetchBatch(ctx context.Context, uids []store.UID) *bodyBatch {
	b := &bodyBatch{order: uids, bySeq: make(map[imap.SeqNum]*spooled), byUID: make(map[store.UID]*spooled)}
	items := append(m.s.metaItems(false), imap.Raw("BODY.PEEK[]"))
	limit := m.s.opts.FetchWindow / 4
	opts := &imapclient.FetchOptions{
		Body: func(info imapclient.BodyInfo, r io.Reader) (any, error) {
			sp, err := m.spool(info, r, limit)
			b.mu.Lock()
			defer b.mu.Unlock()
			if sp != nil {
				b.bySeq[info.Seq] = sp
				b.bytes += info.Size
			}
			return nil, err
		},
		OnMessage: func(fd *imap.FetchData) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			if sp := b.bySeq[fd.Seq]; sp != nil && fd.UID != 0 {
				sp.msg = m.s.toMessage(fd)
				b.byUID[sp.msg.UID] = sp
			}
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
		return &spooled{mem: buf}, nil
	}
	f, err := os.CreateTemp(m.s.opts.SpoolDir, "imapstore-fetch-*")
	if err != nil {
		return nil, fmt.Errorf("imapstore: spooling a body of %d bytes: %w", info.Size, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("imapstore: spooling a body to %s: %w", f.Name(), err)
	}
	return &spooled{file: f}, nil
}
