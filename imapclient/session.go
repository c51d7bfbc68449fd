package imapclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// ErrReconnecting is wrapped, with the context's error, when a Session
// command's context ended while the session was reconnecting. IsRetryable
// reports true for it.
var ErrReconnecting error = retryableError("imapclient: session is reconnecting")

type retryableError string

func (e retryableError) Error() string   { return string(e) }
func (e retryableError) Retryable() bool { return true }

// Defaults of SessionOptions.
const (
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 5 * time.Minute
)

// SessionOptions configure NewSession.
type SessionOptions struct {
	Addr        string
	Options     Options // dial options; Options.Handler receives session events too
	Credentials Credentials
	// Enable lists extensions to ENABLE after each login (e.g. QRESYNC).
	Enable []imap.Cap
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// reconnect attempts; each wait is drawn between half and all of the
	// current step (jitter). Defaults 1 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts stops reconnecting after this many failed attempts in a
	// row (0: never stop).
	MaxAttempts int
	// NoReconnectOnBye ends the session when the server says BYE instead of
	// reconnecting.
	NoReconnectOnBye bool
}

// Session is a Client that reconnects (opt-in wrapper): after a network
// error, a timeout or a BYE it dials again with exponential backoff and
// jitter, logs in, re-enables extensions, re-selects the mailbox and lets
// a running Idle resume, reporting EventDisconnected, EventReconnecting
// and EventReconnected to the Handler. Commands issued meanwhile wait for
// the new connection, bounded by their context (then failing with
// ErrReconnecting). The typed methods of Client exist on Session too: the
// reads that do not depend on the connection (Noop, Capability,
// Namespace, Status, List, UIDSearch, UIDFetch) are run again on the next
// connection when the connection fails under them; every other command
// cut by a failure fails with a *ConnError (IsRetryable), since it may
// have taken effect. Do and Command give the connection itself and are
// never re-sent.
type Session struct {
	opts   SessionOptions
	events *eventQueue

	mu      sync.Mutex
	client  *Client
	ready   chan struct{} // closed while client is usable
	err     error         // terminal error: the session is over
	mailbox string
	selOpts SelectOptions
	closed  chan struct{}
	done    chan struct{}
}

// NewSession connects, logs in and enables extensions. A failure of this
// first connection is returned, not retried.
func NewSession(ctx context.Context, so SessionOptions) (*Session, error) {
	o := so.Options.withDefaults()
	if so.MinBackoff <= 0 {
		so.MinBackoff = DefaultMinBackoff
	}
	if so.MaxBackoff < so.MinBackoff {
		so.MaxBackoff = max(DefaultMaxBackoff, so.MinBackoff)
	}
	s := &Session{opts: so, events: newEventQueue(so.Options.Handler, o.Logger, o.QueueWarnSize),
		ready: make(chan struct{}), closed: make(chan struct{}), done: make(chan struct{})}
	c, _, err := s.connect(ctx)
	if err != nil {
		s.events.close()
		return nil, err
	}
	s.install(c)
	go s.supervise(c)
	return s, nil
}

// connect dials, authenticates, enables and re-selects.
func (s *Session) connect(ctx context.Context) (*Client, *imap.SelectData, error) {
	o := s.opts.Options
	o.Handler = s.events.push
	c, err := Dial(ctx, s.opts.Addr, &o)
	if err != nil {
		return nil, nil, err
	}
	sel, err := s.prepare(ctx, c)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, sel, nil
}

func (s *Session) prepare(ctx context.Context, c *Client) (*imap.SelectData, error) {
	if c.State() == StateNotAuthenticated {
		if err := c.Auth(ctx, s.opts.Credentials); err != nil {
			return nil, err
		}
	}
	if len(s.opts.Enable) > 0 {
		if _, err := c.Enable(ctx, s.opts.Enable...); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	mailbox, opts := s.mailbox, s.selOpts
	s.mu.Unlock()
	if mailbox == "" {
		return nil, nil
	}
	return c.Select(ctx, mailbox, &opts)
}

// install makes c the session's connection.
func (s *Session) install(c *Client) {
	s.mu.Lock()
	s.client = c
	close(s.ready)
	s.mu.Unlock()
}

// markDown forgets c if it is still the current connection.
func (s *Session) markDown(c *Client) {
	s.mu.Lock()
	if s.client == c {
		s.client = nil
		s.ready = make(chan struct{})
	}
	s.mu.Unlock()
}

// supervise waits for the connection c to fail and replaces it. It keeps
// its own reference: Client may have forgotten a failed connection
// (markDown) before the supervisor looks.
func (s *Session) supervise(c *Client) {
	defer close(s.done)
	for {
		select {
		case <-c.Done():
		case <-s.closed:
			return
		}
		select {
		case <-s.closed: // Close closed the connection
			return
		default:
		}
		s.markDown(c)
		c.Close()
		<-c.events.done // its EventDisconnected is passed on before EventReconnecting
		cause := c.Err()
		var ce *ConnError
		if s.opts.NoReconnectOnBye && errors.As(cause, &ce) && ce.Op == "bye" {
			s.fail(cause)
			return
		}
		next, err := s.reconnect(cause)
		if err != nil {
			s.fail(err)
			return
		}
		select {
		case <-s.closed: // closed while reconnecting
			next.Close()
			return
		default:
		}
		s.install(next)
		c = next
	}
}

// reconnect retries connect with backoff until it works, the session is
// closed, authentication is refused or MaxAttempts is reached.
func (s *Session) reconnect(cause error) (*Client, error) {
	step := s.opts.MinBackoff
	for attempt := 1; ; attempt++ {
		s.events.push(Event{Kind: EventReconnecting, Attempt: attempt, Err: cause})
		if !s.sleep(jitter(step)) {
			return nil, fmt.Errorf("imapclient: session closed: %w", ErrClosed)
		}
		step = min(step*2, s.opts.MaxBackoff)
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.Options.withDefaults().DialTimeout)
		c, sel, err := s.connect(ctx)
		cancel()
		if err == nil {
			mailbox, _ := c.Mailbox()
			s.events.push(Event{Kind: EventReconnected, Attempt: attempt, Mailbox: mailbox, Selected: sel})
			return c, nil
		}
		cause = err
		if imap.HasCode(err, imap.CodeAuthenticationFailed) || errors.Is(err, ErrLoginDisabled) {
			return nil, err
		}
		if s.opts.MaxAttempts > 0 && attempt >= s.opts.MaxAttempts {
			return nil, fmt.Errorf("imapclient: giving up after %d reconnect attempts: %w", attempt, err)
		}
	}
}

// jitter returns a duration between d/2 and d.
func jitter(d time.Duration) time.Duration {
	half := d / 2
	return half + time.Duration(randInt63n(int64(half)+1))
}

// sleep waits d or until the session is closed; it reports whether the
// session is still open.
func (s *Session) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return false
	}
}

// fail ends the session with err.
func (s *Session) fail(err error) {
	err = &SessionEndedError{Err: err}
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.events.push(Event{Kind: EventDisconnected, Err: err})
}

// SessionEndedError is returned by every call on a Session that stopped
// reconnecting (BYE with NoReconnectOnBye, refused credentials,
// MaxAttempts reached). It is not retryable: a new Session is needed.
type SessionEndedError struct{ Err error }

// Error says that the session ended and why.
func (e *SessionEndedError) Error() string { return "imapclient: session ended: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *SessionEndedError) Unwrap() error { return e.Err }

// Retryable reports false.
func (e *SessionEndedError) Retryable() bool { return false }
