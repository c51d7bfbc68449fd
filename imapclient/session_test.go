package imapclient

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/faultproxy"
	"github.com/imapdir/imapdir/internal/testenv"
)

// proxiedSession starts a fault proxy in front of Dovecot's plain port
// (so that the proxy sees the protocol) and a Session through it, with
// INBOX selected.
func proxiedSession(t *testing.T, srv *testenv.Server, u testenv.User) (*Session, *faultproxy.Proxy, eventSink) {
	t.Helper()
	p, err := faultproxy.New(srv.IMAPAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	sink := make(eventSink, 1000)
	s, err := NewSession(testCtx(t), SessionOptions{
		Addr:        p.Addr(),
		Options:     Options{InsecurePlaintext: true, Handler: sink.handle},
		Credentials: Credentials{Username: u.Name, Secret: SecretString(u.Password), Mechanism: "LOGIN"},
		Enable:      []imap.Cap{imap.CapCondStore},
		MinBackoff:  5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Select(testCtx(t), "INBOX", &SelectOptions{CondStore: true}); err != nil {
		t.Fatal(err)
	}
	return s, p, sink
}

func TestReconnectWhileIdle(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	s, p, sink := proxiedSession(t, srv, u)
	cut := p.CutAfter(faultproxy.ToClient, "+ idling", 0)
	ctx, stop := context.WithCancel(testCtx(t))
	idleDone := make(chan error, 1)
	go func() { idleDone <- s.Idle(ctx) }()
	waitFor(t, cut, "the cut during IDLE")
	sink.next(t, EventDisconnected)
	if ev := sink.next(t, EventReconnected); ev.Mailbox != "INBOX" || ev.Selected == nil || ev.Selected.Exists != 1 {
		t.Errorf("reconnected: %+v", ev)
	}
	// IDLE resumed on the new connection: a new message is pushed.
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(2))
	if ev := sink.next(t, EventExists); ev.Num != 2 {
		t.Errorf("EXISTS %d after reconnect", ev.Num)
	}
	if _, err := s.Command(testCtx(t), imap.Atom("NOOP")); err != nil {
		t.Errorf("NOOP after reconnect: %v", err)
	}
	stop()
	if err := <-idleDone; err != nil {
		t.Errorf("Idle: %v", err)
	}
}

func TestReconnectMidLiteral(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	big := append(testMessage(1), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 4000)...)
	uid := srv.SaveMessage(t, u.Name, "INBOX", big)
	s, p, sink := proxiedSession(t, srv, u)
	cut := p.CutAfter(faultproxy.ToClient, "BODY[] {", 50000)
	err := s.Do(testCtx(t), func(c *Client) error {
		_, err := c.UIDFetch(testCtx(t), imap.UIDSetOf(imap.UID(uid)), Items("BODY.PEEK[]"), nil)
		return err
	})
	waitFor(t, cut, "the cut mid-literal")
	var ce *ConnError
	if !IsRetryable(err) || !errors.As(err, &ce) {
		t.Fatalf("FETCH cut mid-literal: want a retryable *ConnError, got %v", err)
	}
	sink.next(t, EventReconnected)
	checkFetchOK(t, s, uid, len(big))
}

func TestReconnectMidCommand(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uid := srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	s, p, sink := proxiedSession(t, srv, u)
	cut := p.CutAfter(faultproxy.ToServer, "UID FETCH", 0)
	_, err := s.Command(testCtx(t), imap.Atom("UID"), imap.Atom("FETCH"), imap.UIDSetOf(imap.UID(uid)), imap.List{imap.Atom("FLAGS")})
	waitFor(t, cut, "the cut mid-command")
	if !IsRetryable(err) {
		t.Fatalf("command cut: want a retryable error, got %v", err)
	}
	sink.next(t, EventReconnected)
	checkFetchOK(t, s, uid, len(testMessage(1)))
	if n := p.Connections(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// checkFetchOK fetches uid through the session and checks its size.
func checkFetchOK(t *testing.T, s *Session, uid uint32, size int) {
	t.Helper()
	err := s.Do(testCtx(t), func(c *Client) error {
		if name, _ := c.Mailbox(); name != "INBOX" {
			t.Errorf("not re-selected: %q", name)
		}
		res, err := c.UIDFetch(testCtx(t), imap.UIDSetOf(imap.UID(uid)), Items("RFC822.SIZE"), nil)
		if err == nil && (len(res.Messages) != 1 || res.Messages[0].Size != uint64(size)) {
			t.Errorf("FETCH after reconnect: %+v", res.Messages)
		}
		return err
	})
	if err != nil {
		t.Fatalf("next command after reconnect: %v", err)
	}
}

// TestCommandsWaitWhileReconnecting: while the server is unreachable a
// command waits for its ctx and fails with ErrReconnecting, retryable.
func TestCommandsWaitWhileReconnecting(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	s, p, sink := proxiedSession(t, srv, u)
	p.Refuse(true)
	p.CutAll()
	sink.next(t, EventReconnecting)
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	_, err := s.Command(ctx, imap.Atom("NOOP"))
	if !errors.Is(err, ErrReconnecting) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want ErrReconnecting after the deadline, got %v", err)
	}
	if !IsRetryable(err) {
		t.Errorf("%v is not retryable", err)
	}
	p.Refuse(false)
	sink.next(t, EventReconnected)
	if _, err := s.Command(testCtx(t), imap.Atom("NOOP")); err != nil {
		t.Errorf("NOOP after the server came back: %v", err)
	}
}

// TestReconnectAfterStall: the server goes silent during a command; the
// stall watchdog breaks the connection, the command gets a retryable
// error, and the session reconnects.
func TestReconnectAfterStall(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uid := srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	p, err := faultproxy.New(srv.IMAPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sink := make(eventSink, 100)
	s, err := NewSession(testCtx(t), SessionOptions{
		Addr:        p.Addr(),
		Options:     Options{InsecurePlaintext: true, Handler: sink.handle, StallTimeout: 1500 * time.Millisecond},
		Credentials: Credentials{Username: u.Name, Secret: SecretString(u.Password)},
		MinBackoff:  5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Select(testCtx(t), "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	stall := p.StallAfter(faultproxy.ToServer, "UID FETCH", 0)
	_, err = s.Command(testCtx(t), imap.Atom("UID"), imap.Atom("FETCH"), imap.UIDSetOf(imap.UID(uid)), imap.List{imap.Atom("FLAGS")})
	waitFor(t, stall, "the stall")
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Op != "timeout" || !IsRetryable(err) {
		t.Fatalf("stalled command: want a timeout *ConnError, got %v", err)
	}
	sink.next(t, EventReconnected)
	checkFetchOK(t, s, uid, len(testMessage(1)))
}

// TestSessionEnds: BYE with NoReconnectOnBye, and refused credentials on
// reconnect, end the session with a non-retryable SessionEndedError.
func TestSessionEnds(t *testing.T) {
	for _, bye := range []bool{true, false} {
		fs := newFakeServerN(t, func(f *fakeConn, n int) {
			f.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake")
			l := f.read() // LOGIN
			if n > 0 {
				f.send(strings.Fields(l)[0] + " NO [AUTHENTICATIONFAILED] nope")
				f.serveOK()
				return
			}
			f.send(strings.Fields(l)[0] + " OK [CAPABILITY IMAP4rev1] in")
			l = f.read() // the NOOP that triggers the end
			if bye {
				f.send("* BYE [UNAVAILABLE] going away")
			}
		})
		sink := make(eventSink, 100)
		s, err := NewSession(testCtx(t), SessionOptions{Addr: fs.addr(), NoReconnectOnBye: true, MinBackoff: time.Millisecond,
			Options:     Options{InsecurePlaintext: true, Handler: sink.handle},
			Credentials: Credentials{Username: "u", Secret: SecretString("p"), Mechanism: "LOGIN"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Command(testCtx(t), imap.Atom("NOOP")); !IsRetryable(err) {
			t.Errorf("bye=%v: NOOP cut: %v", bye, err)
		}
		for ev := sink.next(t, EventDisconnected); ; ev = sink.next(t, EventDisconnected) {
			var se *SessionEndedError
			if errors.As(ev.Err, &se) {
				break
			}
		}
		_, err = s.Command(testCtx(t), imap.Atom("NOOP"))
		var se *SessionEndedError
		if !errors.As(err, &se) || IsRetryable(err) {
			t.Errorf("bye=%v: after the end: %v", bye, err)
		}
		if !bye && !imap.HasCode(err, imap.CodeAuthenticationFailed) {
			t.Errorf("refused credentials not named: %v", err)
		}
		s.Close()
	}
}

// TestSessionEventOrder: 50 forced disconnects, some while idle, some
// while a command runs; the session events always come as disconnected →
// reconnecting → reconnected.
func TestSessionEventOrder(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	s, p, sink := proxiedSession(t, srv, u)
	ctx, stop := context.WithCancel(testCtx(t))
	defer stop()
	idleDone := make(chan error, 1)
	go func() { idleDone <- s.Idle(ctx) }()
	var kinds []EventKind
	for i := range 50 {
		if i%2 == 1 {
			go s.Command(ctx, imap.Atom("NOOP"))
		}
		p.CutAll()
		for {
			ev := sink.nextSession(t)
			kinds = append(kinds, ev.Kind)
			if ev.Kind == EventReconnected {
				break
			}
		}
	}
	stop()
	if err := <-idleDone; err != nil {
		t.Errorf("Idle: %v", err)
	}
	checkSessionOrder(t, kinds)
}

// nextSession returns the next session event (disconnected, reconnecting,
// reconnected), skipping data events.
func (s eventSink) nextSession(t *testing.T) Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-s:
			switch ev.Kind {
			case EventDisconnected, EventReconnecting, EventReconnected:
				return ev
			}
		case <-timeout:
			t.Fatal("no session event")
			return Event{}
		}
	}
}

// checkSessionOrder: each cycle is disconnected, then one or more
// reconnecting (a failed attempt may report its own disconnection before
// the next), then reconnected.
func checkSessionOrder(t *testing.T, kinds []EventKind) {
	t.Helper()
	state := EventReconnected
	for i, k := range kinds {
		ok := false
		switch k {
		case EventDisconnected:
			ok = state == EventReconnected || state == EventReconnecting
		case EventReconnecting:
			ok = state == EventDisconnected || state == EventReconnecting
		case EventReconnected:
			ok = state == EventReconnecting
		}
		if !ok {
			t.Fatalf("event %d: %v after %v (sequence %v)", i, k, state, kinds)
		}
		state = k
	}
}
