package imapstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// errStoreClosed is wrapped by operations on a closed Store.
var errStoreClosed = errors.New("imapstore: store closed")

// conn is one pooled connection, logged in, QRESYNC enabled when the
// store uses it.
type conn struct {
	c      *imapclient.Client
	broken atomic.Bool // a command failed in a way that leaves the session unknown
}

// alive reports whether the connection can take commands.
func (cn *conn) alive() bool {
	select {
	case <-cn.c.Done():
		return false
	default:
		return !cn.broken.Load()
	}
}

// fail marks the connection broken when err says the session is in an
// unknown state (network failure, abandoned command): it is then closed
// instead of reused. It returns err.
func (cn *conn) fail(err error) error {
	if err != nil && (brokenConn(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		cn.broken.Store(true)
	}
	return err
}

// pool hands out at most cap connections, dialing lazily. A connection is
// held by one user at a time: an open Mailbox or one store-level operation.
type pool struct {
	dial   func(ctx context.Context) (*imapclient.Client, error)
	setup  func(ctx context.Context, cn *conn) error
	log    *slog.Logger
	slots  chan struct{} // a token per connection in use (or being dialed)
	closed chan struct{}

	mu   sync.Mutex
	idle []*conn
	shut bool
}

func newPool(n int, dial func(context.Context) (*imapclient.Client, error), log *slog.Logger) *pool {
	return &pool{dial: dial, log: log, slots: make(chan struct{}, n), closed: make(chan struct{})}
}

// get returns a free connection: an idle one, else a new one if fewer than
// cap exist, else it waits, bounded by ctx, for one to be released.
func (p *pool) get(ctx context.Context) (*conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closed:
		return nil, errStoreClosed
	}
	if cn := p.popIdle(); cn != nil {
		return cn, nil
	}
	cn, err := p.connect(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return cn, nil
}

// popIdle returns a live idle connection, closing dead ones on the way.
func (p *pool) popIdle() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		cn := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if cn.alive() {
			return cn
		}
		go cn.c.Close()
	}
	return nil
}

// connect dials and sets up a new connection. A failure to dial or log in
// is graded ScopeStore: without a connection nothing of the account works.
func (p *pool) connect(ctx context.Context) (*conn, error) {
	c, err := p.dial(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, store.Errorf(store.ScopeCanceled, false, "connect", "", 0, "%w", err)
		}
		return nil, store.Errorf(store.ScopeStore, brokenConn(err), "connect", "", 0, "%w", err)
	}
	if st := c.State(); st != imapclient.StateAuthenticated && st != imapclient.StateSelected {
		c.Close()
		return nil, store.Errorf(store.ScopeStore, false, "connect", "", 0, "imapstore: Options.Dial returned a connection in state %q; it must be logged in", st)
	}
	cn := &conn{c: c}
	p.log.Debug("imapstore: connected", "caps", c.Caps().String())
	if p.setup != nil {
		if err := p.setup(ctx, cn); err != nil {
			c.Close()
			return nil, store.Errorf(store.ScopeStore, brokenConn(err), "connect", "", 0, "setting up the connection: %w", err)
		}
	}
	return cn, nil
}

// put returns a connection taken with get: kept for reuse when healthy,
// closed otherwise.
func (p *pool) put(cn *conn) {
	p.mu.Lock()
	keep := !p.shut && cn.alive()
	if keep {
		p.idle = append(p.idle, cn)
	}
	p.mu.Unlock()
	if !keep {
		p.log.Debug("imapstore: connection discarded", "err", cn.c.Err(), "broken", cn.broken.Load())
		cn.c.Close()
	}
	<-p.slots
}

// close logs out of the idle connections (all at once) and refuses
// further gets.
// Connections still held are closed when put back.
func (p *pool) close() {
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		return
	}
	p.shut = true
	idle := p.idle
	p.idle = nil
	close(p.closed)
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, cn := range idle {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
			defer cancel()
			if err := cn.c.Logout(ctx); err != nil {
				p.log.Debug("imapstore: logout", "err", err)
			}
			cn.c.Close()
		})
	}
	wg.Wait()
}

// enableQResync enables QRESYNC once per connection (RFC 7162 §3.2.3),
// which also enables CONDSTORE.
func enableQResync(ctx context.Context, c *imapclient.Client) error {
	if c.Enabled().Has(imap.CapQResync) {
		return nil
	}
	_, err := c.Enable(ctx, imap.CapQResync)
	return err
}

// grade turns the error of an operation into a *store.Error graded by
// blast radius:
//
//   - a context end is ScopeCanceled;
//   - a failed connection (imapclient.ConnError, ErrClosed) is ScopeMailbox
//     and retryable: the connection is discarded and a later attempt dials
//     a new one;
//   - a server refusal (*imap.Error) is ScopeMailbox and final, with the
//     condition sentinels for NONEXISTENT/TRYCREATE (ErrMailboxNotFound) and
//     ALREADYEXISTS (ErrMailboxExists) (RFC 5530); UNAVAILABLE and INUSE are
//     retryable;
//   - anything else (a malformed response) is ScopeMailbox and final.
//
// An error that already is a *store.Error is returned unchanged.
func grade(op, mailbox string, uid store.UID, err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return store.Errorf(store.ScopeCanceled, false, op, mailbox, uid, "%w", err)
	}
	if brokenConn(err) {
		return store.Errorf(store.ScopeMailbox, true, op, mailbox, uid, "%w", err)
	}
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w", err)
	}
	switch ie.Code {
	case imap.CodeNonExistent, imap.CodeTryCreate:
		return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w: %w", store.ErrMailboxNotFound, err)
	case imap.CodeAlreadyExists:
		return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w: %w", store.ErrMailboxExists, err)
	case imap.CodeUnavailable, imap.CodeInUse:
		return store.Errorf(store.ScopeMailbox, true, op, mailbox, uid, "%w", err)
	}
	return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w", err)
}

// brokenConn reports whether err says the connection failed, as opposed
// to the server refusing the command.
func brokenConn(err error) bool {
	return imapclient.IsRetryable(err) || errors.Is(err, imapclient.ErrClosed)
}

// canceled returns the graded error of ctx when it has ended, else nil:
// every operation checks it first, so that a call with an ended context
// changes nothing.
func canceled(ctx context.Context, op, mailbox string) error {
	if err := ctx.Err(); err != nil {
		return store.Errorf(store.ScopeCanceled, false, op, mailbox, 0, "%w", err)
	}
	return nil
}

// protoErr is a malformed or unexpected server response.
func protoErr(format string, args ...any) error {
	return fmt.Errorf("imapstore: unexpected server response: "+format, args...)
}
