package imapclient

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// TestHandlersAnyTime: handlers registered after Dial, per kind and per
// response name, get the unilateral data of an idling connection while
// another changes the mailbox; a removed handler gets nothing more.
func TestHandlersAnyTime(t *testing.T) {
	for _, qresync := range []bool{false, true} {
		t.Run(map[bool]string{false: "EXPUNGE", true: "VANISHED"}[qresync], func(t *testing.T) {
			srv := testenv.Dovecot(t)
			u := srv.NewUser(t)
			uid1 := imap.UID(srv.SaveMessage(t, u.Name, "INBOX", testMessage(1)))
			p := newIdlePair(t, srv, u, qresync)
			exists, fetches, gone, any := make(eventSink, 10), make(eventSink, 10), make(eventSink, 10), make(eventSink, 100)
			var existsCalls atomic.Int32
			removeExists := p.a.Handle(EventExists, func(ev Event) { existsCalls.Add(1); exists.handle(ev) })
			p.a.HandleResponse("fetch", fetches.handle)
			if qresync {
				p.a.Handle(EventVanished, gone.handle)
			} else {
				p.a.HandleResponse("EXPUNGE", gone.handle)
			}
			p.a.HandleResponse("*", any.handle)
			ctx, stop := context.WithCancel(testCtx(t))
			defer stop()
			go p.a.Idle(ctx)
			waitFor(t, p.tr.when("S: +", 1), "IDLE")

			msg := testMessage(2)
			if _, err := p.b.Append(testCtx(t), "INBOX", AppendMessage{Size: int64(len(msg)), Body: strings.NewReader(string(msg))}); err != nil {
				t.Fatal(err)
			}
			if ev := exists.next(t, EventExists); ev.Num != 2 {
				t.Errorf("EXISTS %d", ev.Num)
			}
			removeExists()
			if _, err := p.b.UIDStore(testCtx(t), imap.UIDSetOf(uid1), StoreAdd, []imap.Flag{imap.FlagFlagged}, nil); err != nil {
				t.Fatal(err)
			}
			if ev := fetches.next(t, EventFetch); !imap.HasFlag(ev.Fetch.Flags, imap.FlagFlagged) {
				t.Errorf("FETCH %+v", ev.Fetch)
			}
			// A third message: the witness, registered after the removed
			// handler, sees its EXISTS, so the removed one would have too.
			witness := make(eventSink, 10)
			p.a.Handle(EventExists, witness.handle)
			if _, err := p.b.Append(testCtx(t), "INBOX", AppendMessage{Size: int64(len(msg)), Body: strings.NewReader(string(msg))}); err != nil {
				t.Fatal(err)
			}
			witness.next(t, EventExists)
			if n := existsCalls.Load(); n != 1 {
				t.Errorf("removed handler called %d times, want 1", n)
			}
			if _, err := p.b.UIDStore(testCtx(t), imap.UIDSetOf(uid1), StoreAdd, []imap.Flag{imap.FlagDeleted}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := p.b.Expunge(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if ev := gone.next(t, map[bool]EventKind{false: EventExpunge, true: EventVanished}[qresync]); qresync && ev.UIDs.String() != "1" || !qresync && ev.Num != 1 {
				t.Errorf("expunge event %+v", ev)
			}
			any.next(t, EventFetch)
		})
	}
}

// TestHandlersByName: unsolicited LIST, STATUS, an extension's response
// and BYE reach the handlers registered for them (a scripted server:
// Dovecot sends none of these unasked).
func TestHandlersByName(t *testing.T) {
	release := make(chan struct{})
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		<-release
		f.send(`* LIST () "/" Neu`, "* STATUS Neu (MESSAGES 3)", "* XFOO 1 2", "* BYE going")
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sinks := map[string]eventSink{}
	for _, name := range []string{"LIST", "STATUS", "XFOO"} {
		sinks[name] = make(eventSink, 10)
		c.HandleResponse(name, sinks[name].handle)
	}
	bye := make(eventSink, 10)
	c.Handle(EventBye, bye.handle)
	close(release)
	for name, s := range sinks {
		if ev := s.next(t, EventOther); ev.Resp.Name() != name {
			t.Errorf("%s handler got %v", name, ev.Resp)
		}
	}
	bye.next(t, EventBye)
}

// TestSessionHandlers: handlers registered on a Session stay across a
// reconnect and see the session events.
func TestSessionHandlers(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	s, p, _ := proxiedSession(t, srv, u)
	reconnected, exists := make(eventSink, 10), make(eventSink, 10)
	s.Handle(EventReconnected, reconnected.handle)
	s.HandleResponse("EXISTS", exists.handle)
	ctx, stop := context.WithCancel(testCtx(t))
	defer stop()
	go s.Idle(ctx)
	p.CutAll()
	reconnected.next(t, EventReconnected)
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	if ev := exists.next(t, EventExists); ev.Num != 1 {
		t.Errorf("EXISTS %d after reconnect", ev.Num)
	}
}
