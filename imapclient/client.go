package imapclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// State is the connection state of RFC 9051 §3.
type State int

// Connection states.
const (
	StateNotAuthenticated State = iota
	StateAuthenticated
	StateSelected
	StateLogout
)

// String names the state.
func (s State) String() string {
	names := [...]string{"not authenticated", "authenticated", "selected", "logout"}
	if s < 0 || int(s) >= len(names) {
		return "unknown state"
	}
	return names[s]
}

// Client is one IMAP connection. All methods are safe for concurrent use:
// commands issued from several goroutines are pipelined (see Start). One
// reader goroutine decodes responses and routes them to their commands or
// to the Handler.
type Client struct {
	opts Options
	// scrub holds the secret of a login in progress (see scrub.go).
	scrub scrubber
	conn  net.Conn
	src   *swapReader // what br reads from: conn, or a decompressor
	// wlast is the UnixNano of the last write that took bytes
	// (StallTimeout counts progress both ways).
	wlast atomic.Int64
	br    *bufio.Reader
	dec   *imapwire.Decoder

	wlock chan struct{} // held (cap 1) while a command is written
	bw    *bufio.Writer // guarded by wlock
	enc   *imapwire.Encoder
	slots chan struct{} // in-flight semaphore, cap MaxInFlight
	// searchTurn (cap 1) is held by the command answered by an untagged
	// SEARCH/SORT/THREAD in flight (route.go).
	searchTurn chan struct{}

	events *eventQueue
	trace  *tracer

	mu           sync.Mutex
	tagSeq       uint64
	inflight     []*Cmd // sent, not completed, in send order
	offerBuf     []*Cmd // scratch copy of inflight for the reader (route.go)
	peakInflight int    // most commands ever in flight at once (tests)
	contTarget   *Cmd   // the command waiting for a continuation request
	active       int    // commands entered and not finished (queued or in flight)
	entered      uint64 // commands ever entered (IdleGrace)
	quiet        chan struct{}
	caps         imap.CapSet
	enabled      imap.CapSet
	state        State
	mailbox      string
	readOnly     bool
	exists       uint32
	idling       *Cmd // the IDLE command after its "+", until DONE is sent
	compressed   bool
	idleOn       atomic.Bool    // an Idle call is running
	bye          *imap.Response // the server's BYE, once received
	closed       chan struct{}
	closeErr     error
	readerDone   chan struct{}
}

// swapReader is an io.Reader whose source can be replaced (COMPRESS); it
// notes when bytes last arrived (StallTimeout).
type swapReader struct {
	r    io.Reader
	last atomic.Int64 // UnixNano of the last read that returned bytes
}

func (s *swapReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// newClient wraps an established connection; the reader is not started.
func newClient(conn net.Conn, opts Options) *Client {
	c := &Client{
		opts:       opts,
		wlock:      make(chan struct{}, 1),
		slots:      make(chan struct{}, opts.MaxInFlight),
		searchTurn: make(chan struct{}, 1),
		quiet:      make(chan struct{}),
		closed:     make(chan struct{}),
		readerDone: make(chan struct{}),
		trace:      newTracer(opts),
	}
	close(c.quiet)
	if c.trace != nil {
		c.trace.scrub = &c.scrub
	}
	c.events = newEventQueue(opts.Handler, opts.Logger, opts.QueueWarnSize)
	c.setConn(conn)
	return c
}

// setConn installs conn (again after STARTTLS) with fresh buffers.
func (c *Client) setConn(conn net.Conn) {
	c.conn = conn
	c.src = &swapReader{r: conn}
	c.br = bufio.NewReaderSize(c.src, 64<<10)
	dopts := c.opts.Decoder.wire()
	dopts.Literal = c.literal
	c.dec = imapwire.NewDecoder(c.br, dopts)
	c.bw = bufio.NewWriterSize(progressWriter{w: c.trace.tap(conn), last: &c.wlast}, 32<<10)
	c.enc = imapwire.NewEncoder(c.bw, imapwire.EncoderOptions{})
}

// Caps returns the server's capabilities as last advertised (they are
// re-read after STARTTLS and after authentication).
func (c *Client) Caps() imap.CapSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caps
}

// Enabled returns the extensions enabled with ENABLE (RFC 5161).
func (c *Client) Enabled() imap.CapSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enabled
}

// State returns the connection state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Mailbox returns the selected mailbox and whether it is read-only, or ""
// when none is selected.
func (c *Client) Mailbox() (name string, readOnly bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mailbox, c.readOnly
}

// Exists returns the message count of the selected mailbox as last told
// by the server (EXISTS, minus EXPUNGEs since).
func (c *Client) Exists() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exists
}

// Done returns a channel closed when the connection is closed.
func (c *Client) Done() <-chan struct{} { return c.closed }

// Err returns why the connection closed, or nil while it is open.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// Close closes the connection at once, without LOGOUT. Commands in flight
// fail with an error wrapping ErrClosed. It waits for the reader goroutine
// to end, so it must not be called from a BodyFunc or OnMessage callback
// (which run on it); the Handler may call it. Events already queued are
// still delivered to the Handler.
func (c *Client) Close() error {
	c.closeWith(fmt.Errorf("imapclient: closed by the client: %w", ErrClosed))
	<-c.readerDone
	c.events.close()
	return nil
}

// closeWith closes the connection once, recording err and failing every
// command in flight with it. A connection failure (*ConnError) is
// reported as EventDisconnected, queued before Done's channel closes, so
// that whoever reacts to Done (a Session) reports after it.
func (c *Client) closeWith(err error) {
	c.mu.Lock()
	if c.closeErr != nil {
		c.mu.Unlock()
		return
	}
	c.closeErr = err
	c.state = StateLogout
	cmds := c.inflight
	c.inflight = nil
	c.idling = nil
	var ce *ConnError
	if errors.As(err, &ce) {
		c.events.push(Event{Kind: EventDisconnected, Err: err})
	}
	close(c.closed)
	c.mu.Unlock()
	_ = c.conn.Close()
	for _, cmd := range cmds {
		c.complete(cmd, nil, err)
	}
}

// utf8Names reports whether mailbox names are UTF-8 on the wire (IMAP4rev2
// or UTF8=ACCEPT enabled, RFC 6855 §3).
func (c *Client) utf8Names() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enabled.Has(imap.CapUTF8Accept) || c.enabled.Has(imap.CapIMAP4rev2)
}

// encoderOptions follows the capabilities (RFC 7888 literals, RFC 6855).
// Caller holds c.mu.
func (c *Client) encoderOptions() imapwire.EncoderOptions {
	rev2 := c.enabled.Has(imap.CapIMAP4rev2)
	return imapwire.EncoderOptions{
		LiteralPlus:  c.caps.Has(imap.CapLiteralPlus),
		LiteralMinus: c.caps.Has(imap.CapLiteralMinus) || rev2,
		UTF8:         rev2 || c.enabled.Has(imap.CapUTF8Accept),
	}
}

// setCaps replaces the capability set.
func (c *Client) setCaps(caps imap.CapSet) {
	c.mu.Lock()
	c.caps = caps
	c.mu.Unlock()
	c.events.push(Event{Kind: EventCapability, Caps: caps})
}

// nameOf returns the upper-cased command name of args, with "UID" joined
// to the next word ("UID FETCH").
func nameOf(args []imap.Value) string {
	if len(args) == 0 {
		return ""
	}
	a, _ := imap.AsAtom(args[0])
	name := strings.ToUpper(a)
	if name == "UID" && len(args) > 1 {
		b, _ := imap.AsAtom(args[1])
		name += " " + strings.ToUpper(b)
	}
	return name
}
