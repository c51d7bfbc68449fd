package imapstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// streamItems are the items of a streamed body fetch: UID first, so that
// the server (which answers in the order asked, as Dovecot does) names the
// message before its body (imapclient.BodyInfo.UID).
var streamItems = []imap.Value{imap.Raw("UID"), imap.Raw("RFC822.SIZE"), imap.Raw("BODY.PEEK[]")}

// streamBodies fetches uids, which ascend, with one UID FETCH (UID
// RFC822.SIZE BODY.PEEK[]) and hands each body to fn straight off the
// socket, on the client's reader goroutine, as the server sends it: in
// ascending UID order (RFC 9051 §7.5.2: FETCH responses in message
// sequence order, which UIDs follow). No body is held in memory or copied
// to a spool file, whatever its size; the socket waits while fn writes.
// A body the server sends before the message's UID (allowed, but unusual)
// is spooled (as FetchBodies does) and handed over once its FETCH response
// completes. fn gets the message's UID and size.
func (m *Mailbox) streamBodies(ctx context.Context, uids []store.UID, fn func(store.Message, io.Reader) error) error {
	limit := m.s.opts.FetchWindow / 4
	early := map[imap.SeqNum]*spooled{} // bodies that came before their UID
	defer func() {
		for _, sp := range early {
			sp.release()
		}
	}()
	// The callbacks run on the client's reader goroutine. When ctx ends,
	// UIDFetch returns while one may still be running (the command is
	// abandoned, its responses still read): the gate makes the return wait
	// for it and refuses later ones, so that fn never runs after
	// FetchBodies returned (the caller then flushes, records, closes).
	var gate callGate
	defer gate.close()
	opts := &imapclient.FetchOptions{
		Body: func(info imapclient.BodyInfo, r io.Reader) (any, error) {
			if !gate.enter() {
				return nil, errAbandoned
			}
			defer gate.leave()
			if info.Item != "BODY[]" {
				return nil, nil
			}
			if info.UID == 0 {
				if err := checkLiteral(info, m.s.opts.MaxMessageSize); err != nil {
					return nil, err
				}
				sp, err := m.spool(info, r, limit)
				if sp != nil {
					early[info.Seq].release()
					early[info.Seq] = sp
				}
				return nil, err
			}
			body, err := m.verifyStream(info, r)
			if err != nil {
				return nil, err
			}
			return nil, deliverBody(fn, store.Message{UID: store.UID(info.UID), Size: info.Size}, body) // a cut reads as io.ErrUnexpectedEOF (imapwire)
		},
		OnMessage: func(fd *imap.FetchData) error {
			if !gate.enter() {
				return errAbandoned
			}
			defer gate.leave()
			sp := early[fd.Seq]
			if sp == nil || fd.UID == 0 {
				return nil
			}
			delete(early, fd.Seq)
			defer sp.release()
			if why := m.listed.mismatch(store.Message{UID: store.UID(fd.UID), Size: int64(fd.Size)}, sp); why != "" {
				return m.mismatchErr(store.UID(fd.UID), why)
			}
			return deliverBody(fn, store.Message{UID: store.UID(fd.UID), Size: sp.size}, sp.reader())
		},
	}
	set := imap.UIDSetOf(toIMAPUIDs(uids)...)
	_, err := m.cn.c.UIDFetch(ctx, set, streamItems, opts)
	gate.close()
	return err
}

// errAbandoned refuses a body that arrives after its fetch was given up.
var errAbandoned = errors.New("imapstore: body fetch abandoned")

// callGate lets callbacks run one at a time until it is closed; close
// waits for the one running, and later ones are refused.
type callGate struct {
	mu     sync.Mutex
	closed bool
}

// enter reports whether a callback may run; if so, it holds the gate
// until leave.
func (g *callGate) enter() bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	return true
}

func (g *callGate) leave() { g.mu.Unlock() }

// close waits for a running callback and refuses the next ones.
func (g *callGate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// deliverBody calls fn, naming the UID in its error.
func deliverBody(fn func(store.Message, io.Reader) error, msg store.Message, r io.Reader) error {
	if err := fn(msg, r); err != nil {
		return fmt.Errorf("uid %d: %w", msg.UID, err)
	}
	return nil
}

// ascending reports whether uids strictly ascend: the order in which a
// server answers a UID FETCH, so bodies can be handed over as they come.
func ascending(uids []store.UID) bool {
	return slices.IsSortedFunc(uids, func(a, b store.UID) int {
		if a == b {
			return -1 // a repeat is not ascending: fall back to the ordered path
		}
		return int(int64(a) - int64(b))
	})
}
