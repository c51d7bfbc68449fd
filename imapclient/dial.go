package imapclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// Dial connects to addr ("host:port") and returns a client in the not
// authenticated state (or authenticated after PREAUTH), its capabilities
// known. By default it speaks implicit TLS (RFC 8314 §3.3); with
// opts.STARTTLS it upgrades a plaintext connection and fails if the server
// does not offer STARTTLS; plaintext needs opts.InsecurePlaintext. ctx
// bounds the whole set-up; opts may be nil.
func Dial(ctx context.Context, addr string, opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
	defer cancel()
	conn, err := dialTCP(ctx, addr, &o)
	if err != nil {
		return nil, &ConnError{Op: "dial", Err: err}
	}
	c, err := setUp(ctx, conn, addr, o)
	if err != nil {
		if t, ok := conn.(*tunnelConn); ok {
			return nil, t.failed(err)
		}
		conn.Close()
		return nil, err
	}
	return c, nil
}

func dialTCP(ctx context.Context, addr string, o *Options) (net.Conn, error) {
	if o.Dialer != nil {
		return o.Dialer(ctx, "tcp", addr)
	}
	d := net.Dialer{KeepAliveConfig: keepAliveConfig(o.KeepAlive), Control: userTimeoutControl(o.UserTimeout)}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("imapclient: connecting to %s: %w", addr, err)
	}
	return conn, nil
}

// keepAliveConfig probes an idle link every period/3 after period of
// silence and gives up after 3 lost probes, so that a dead link under IDLE
// is noticed in about two periods rather than the system's 2 hours + 9
// probes. A negative period disables keepalive.
func keepAliveConfig(period time.Duration) net.KeepAliveConfig {
	if period < 0 {
		return net.KeepAliveConfig{Enable: false}
	}
	return net.KeepAliveConfig{Enable: true, Idle: period, Interval: max(period/3, time.Second), Count: 3}
}

// setUp runs TLS, the greeting and STARTTLS, then starts the reader.
func setUp(ctx context.Context, conn net.Conn, addr string, o Options) (*Client, error) {
	implicitTLS := !o.STARTTLS && !o.InsecurePlaintext
	if implicitTLS {
		tc, err := handshake(ctx, conn, addr, &o)
		if err != nil {
			return nil, err
		}
		conn = tc
	}
	c := newClient(conn, o)
	if err := c.greeting(ctx, addr, o.GreetingTimeout); err != nil {
		c.events.close()
		return nil, err
	}
	if o.STARTTLS {
		if err := c.startTLS(ctx, addr); err != nil {
			c.events.close()
			return nil, err
		}
	}
	c.src.last.Store(time.Now().UnixNano())
	go c.readLoop()
	if o.StallTimeout > 0 {
		go c.watchStall(o.StallTimeout)
	}
	if c.Caps().Len() == 0 {
		if _, err := c.Capability(ctx); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// handshake runs the TLS client handshake bounded by ctx.
func handshake(ctx context.Context, conn net.Conn, addr string, o *Options) (*tls.Conn, error) {
	conf, err := o.tlsConfig(hostOf(addr))
	if err != nil {
		return nil, err
	}
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) {
			return nil, fmt.Errorf("imapclient: %s does not speak TLS (a plaintext port?): %w: %w", addr, ErrPlaintext, err)
		}
		return nil, classifyTLS(addr, err)
	}
	return tc, nil
}

// deadline applies ctx to the connection while the reader is not running.
func (c *Client) deadline(ctx context.Context) func() {
	if d, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		c.conn.SetDeadline(time.Time{})
	}
}

// greeting reads the server greeting (RFC 9051 §7.1.1, §7.1.2, §7.1.4).
// A server silent for wait fails with ErrNoGreeting.
func (c *Client) greeting(ctx context.Context, addr string, wait time.Duration) error {
	gctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	defer c.deadline(gctx)()
	start := time.Now()
	resp, err := c.dec.ReadResponse()
	if err != nil {
		// A deadline (ours or the caller's), not a cancellation: the
		// connection's deadline may fire before the context says so.
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && !errors.Is(ctx.Err(), context.Canceled) {
			return &ConnError{Op: "greeting", Err: fmt.Errorf("%s sent nothing for %s after the connection was made (an implicit-TLS port dialled without TLS?): %w",
				addr, time.Since(start).Round(100*time.Millisecond), ErrNoGreeting)}
		}
		return &ConnError{Op: "greeting", Err: fmt.Errorf("reading greeting of %s: %w", addr, err)}
	}
	c.trace.response(resp)
	switch resp.Status {
	case imap.StatusOK:
	case imap.StatusPreAuth:
		c.state = StateAuthenticated
	case imap.StatusBYE:
		return &ConnError{Op: "greeting", Err: fmt.Errorf("%s refused the connection: %w", addr, resp.Err())}
	default:
		return &ConnError{Op: "greeting", Err: fmt.Errorf("%s sent no greeting but %q", addr, resp.String())}
	}
	if resp.Code == imap.CodeCapability {
		c.caps, _ = imap.ParseCapability(resp)
	}
	return nil
}

// startTLS upgrades the connection (RFC 9051 §6.2.1); capabilities are
// forgotten and read again afterwards (§7.2.2 "MUST NOT" trust earlier ones).
func (c *Client) startTLS(ctx context.Context, addr string) error {
	if c.caps.Len() == 0 {
		if _, err := c.syncCommand(ctx, imap.Atom("CAPABILITY")); err != nil {
			return err
		}
	}
	if !c.caps.Has(imap.CapStartTLS) {
		return fmt.Errorf("imapclient: %s: %w", addr, ErrNoSTARTTLS)
	}
	if _, err := c.syncCommand(ctx, imap.Atom("STARTTLS")); err != nil {
		return err
	}
	if n := c.br.Buffered(); n > 0 { // data injected before TLS (CVE-2011-0411 class)
		return &ConnError{Op: "starttls", Err: fmt.Errorf("%s sent %d bytes after its STARTTLS OK", addr, n)}
	}
	tc, err := handshake(ctx, c.conn, addr, &c.opts)
	if err != nil {
		return err
	}
	c.setConn(tc)
	c.caps = imap.CapSet{}
	return nil
}

// syncCommand runs a command without literals before the reader starts,
// updating the capabilities from its responses.
func (c *Client) syncCommand(ctx context.Context, args ...imap.Value) (*imap.Response, error) {
	defer c.deadline(ctx)()
	c.tagSeq++
	tag := fmt.Sprintf("S%d", c.tagSeq)
	if err := c.enc.WriteCommand(tag, args, nil); err != nil {
		return nil, &ConnError{Op: "write", Err: err}
	}
	for {
		resp, err := c.dec.ReadResponse()
		if err != nil {
			return nil, &ConnError{Op: "read", Err: err}
		}
		c.trace.response(resp)
		if resp.Name() == "CAPABILITY" || resp.Code == imap.CodeCapability {
			c.caps, _ = imap.ParseCapability(resp)
		}
		if resp.Tag == tag {
			if err := resp.Err(); err != nil {
				return resp, fmt.Errorf("imapclient: %s: %w", nameOf(args), err)
			}
			return resp, nil
		}
	}
}
