// Package demoserver runs a seeded in-memory IMAP server for "imapdir demo"
// and for tests: no account, no network beyond 127.0.0.1.
//
// It is go-imap v2's imapmemserver behind imapserver on a random loopback
// port, plaintext LOGIN allowed, one user, and a few hundred generated
// messages (deterministic from Options.Seed) in INBOX, Sent, "Entwürfe"
// (non-ASCII), Archive and "Archive/2024" (nested; the delimiter is "/").
//
// What the in-memory server does not do, and clients must cope with: no
// CONDSTORE/QRESYNC, no SPECIAL-USE attributes, and flags come back
// lower-cased ("\seen", "$forwarded"), since imapmemserver stores them so.
package demoserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Options configure Start. The zero value is a usable demo.
type Options struct {
	Seed     int64  // message generator seed; 0 means 1
	Messages int    // about how many messages to seed in all; 0 means 300
	User     string // login name; "" means "demo"
	Password string // "" means "demo-password"
	// Logger receives the server's error messages (at Warn); nil discards them.
	Logger *slog.Logger
	// Debug, when set, receives the raw protocol both ways, passwords included.
	Debug io.Writer
}

func (o *Options) setDefaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Messages <= 0 {
		o.Messages = 300
	}
	if o.User == "" {
		o.User = "demo"
	}
	if o.Password == "" {
		o.Password = "demo-password"
	}
}

// Server is a running demo server. Its methods are safe for concurrent use.
type Server struct {
	opts   Options
	ln     net.Listener
	srv    *imapserver.Server
	user   *imapmemserver.User
	gen    *gen
	seeded []MailboxInfo
	done   chan struct{} // closed when Serve returned

	mu      sync.Mutex
	closed  bool
	nextNew int // index for NewMessage
}

// Start seeds a server and serves it on 127.0.0.1 on a free port until
// Close is called or ctx is canceled.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts.setDefaults()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(opts.User, opts.Password)
	mem.AddUser(user)
	g := newGen(opts.Seed)
	seeded, err := seed(user, g, opts.Messages)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demoserver: listen on 127.0.0.1: %w", err)
	}
	s := &Server{
		opts: opts, ln: ln, user: user, gen: g, seeded: seeded,
		done: make(chan struct{}), nextNew: opts.Messages,
	}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         capabilities(),
		Logger:       logAdapter{opts.Logger},
		InsecureAuth: true,
		DebugWriter:  opts.Debug,
	})
	go s.serve()
	go s.closeOnCancel(ctx)
	return s, nil
}

// capabilities are those the backend supports beyond IMAP4rev1; not
// IMAP4rev2, so clients see the classic (RFC 3501) dialect.
func capabilities() imap.CapSet {
	caps := imap.CapSet{}
	for _, c := range []imap.Cap{
		imap.CapIMAP4rev1, imap.CapNamespace, imap.CapUIDPlus, imap.CapMove, imap.CapESearch,
		imap.CapListExtended, imap.CapListStatus, imap.CapStatusSize,
	} {
		caps[c] = struct{}{}
	}
	return caps
}

func (s *Server) serve() {
	defer close(s.done)
	if err := s.srv.Serve(s.ln); err != nil && s.opts.Logger != nil {
		s.opts.Logger.Warn("demoserver: serve", "err", err)
	}
}

func (s *Server) closeOnCancel(ctx context.Context) {
	select {
	case <-ctx.Done():
		_ = s.Close()
	case <-s.done:
	}
}

// Addr returns the "127.0.0.1:port" the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// User returns the login name.
func (s *Server) User() string { return s.opts.User }

// Password returns the login password.
func (s *Server) Password() string { return s.opts.Password }

// Done is closed once the server has stopped serving (after Close or the
// cancellation of Start's context).
func (s *Server) Done() <-chan struct{} { return s.done }

// Seeded returns what Start put in each mailbox, in creation order. The
// seeded messages of a mailbox have UIDs 1..Messages, its UIDVALIDITY is
// its 1-based position in this list.
func (s *Server) Seeded() []MailboxInfo { return append([]MailboxInfo(nil), s.seeded...) }

// Close stops listening, drops every connection and waits for the server
// goroutine. Calling it again returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.srv.Close()
	<-s.done
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("demoserver: close: %w", err)
	}
	return nil
}

// logAdapter sends imapserver's Printf logging to slog, or nowhere.
type logAdapter struct{ l *slog.Logger }

func (a logAdapter) Printf(format string, args ...any) {
	if a.l != nil {
		a.l.Warn(fmt.Sprintf(format, args...), "component", "demoserver")
	}
}
