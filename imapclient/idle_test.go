package imapclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// eventSink collects handler events on a channel.
type eventSink chan Event

func (s eventSink) handle(ev Event) { s <- ev }

// next waits for the first event of kind, skipping others.
func (s eventSink) next(t *testing.T, kind EventKind) Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-s:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event", kind)
			return Event{}
		}
	}
}

// TestIdleUnilateral: while A idles on INBOX, B appends, flags and
// expunges; A's handler gets EXISTS, FETCH and EXPUNGE (VANISHED with
// QRESYNC). A FETCH issued on A during IDLE completes, and IDLE resumes.
func TestIdleUnilateral(t *testing.T) {
	for _, qresync := range []bool{false, true} {
		name := map[bool]string{false: "EXPUNGE", true: "VANISHED"}[qresync]
		t.Run(name, func(t *testing.T) { idleScenario(t, qresync) })
	}
}

// idlePair is connection A (idling, with a handler) and B (changing).
type idlePair struct {
	a, b *Client
	sink eventSink
	tr   *traceBuf
}

func newIdlePair(t *testing.T, srv testenv.MailServer, u testenv.User, qresync bool) *idlePair {
	p := &idlePair{sink: make(eventSink, 100), tr: &traceBuf{}}
	p.a = dialTLS(t, srv, &Options{Handler: p.sink.handle, TraceWriter: p.tr})
	p.b = dialTLS(t, srv, nil)
	ctx := testCtx(t)
	for _, c := range []*Client{p.a, p.b} {
		if err := c.Login(ctx, u.Name, SecretString(u.Password)); err != nil {
			t.Fatal(err)
		}
	}
	if qresync {
		if _, err := p.a.Enable(ctx, imap.CapQResync); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*Client{p.a, p.b} {
		if _, err := c.Select(ctx, "INBOX", nil); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func idleScenario(t *testing.T, qresync bool) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uid1 := imap.UID(srv.SaveMessage(t, u.Name, "INBOX", testMessage(1)))
	p := newIdlePair(t, srv, u, qresync)
	ctx := testCtx(t)
	idleCtx, stopIdle := context.WithCancel(ctx)
	idleErr := make(chan error, 1)
	go func() { idleErr <- p.a.Idle(idleCtx) }()
	waitFor(t, p.tr.when("S: +", 1), "IDLE continuation")

	p.appendAndSeeExists(t)
	p.flagAndSeeFetch(t, uid1)
	p.fetchDuringIdle(t, uid1)
	p.expungeAndSee(t, uid1, qresync)

	stopIdle()
	if err := <-idleErr; err != nil {
		t.Errorf("Idle: %v", err)
	}
	if !strings.Contains(p.tr.String(), "C: DONE") {
		t.Errorf("no DONE in trace")
	}
	if err := p.a.Noop(ctx); err != nil {
		t.Errorf("NOOP after Idle: %v", err)
	}
}

func (p *idlePair) appendAndSeeExists(t *testing.T) {
	msg := testMessage(2)
	start := time.Now()
	if _, err := p.b.Append(testCtx(t), "INBOX", AppendMessage{Size: int64(len(msg)), Body: strings.NewReader(string(msg))}); err != nil {
		t.Fatal(err)
	}
	if ev := p.sink.next(t, EventExists); ev.Num != 2 {
		t.Errorf("EXISTS %d, want 2", ev.Num)
	}
	t.Logf("EXISTS after %v", time.Since(start))
}

func (p *idlePair) flagAndSeeFetch(t *testing.T, uid imap.UID) {
	start := time.Now()
	if _, err := p.b.UIDStore(testCtx(t), imap.UIDSetOf(uid), StoreAdd, []imap.Flag{imap.FlagFlagged}, nil); err != nil {
		t.Fatal(err)
	}
	if ev := p.sink.next(t, EventFetch); !imap.HasFlag(ev.Fetch.Flags, imap.FlagFlagged) || ev.Fetch.Seq != 1 {
		t.Errorf("FETCH event %+v", ev.Fetch)
	}
	t.Logf("FETCH after %v", time.Since(start))
}

// fetchDuringIdle: a FETCH on A while it idles: DONE, FETCH, IDLE again.
func (p *idlePair) fetchDuringIdle(t *testing.T, uid imap.UID) {
	res, err := p.a.UIDFetch(testCtx(t), imap.UIDSetOf(uid), Items("UID", "FLAGS"), nil)
	if err != nil || len(res.Messages) != 1 || !imap.HasFlag(res.Messages[0].Flags, imap.FlagFlagged) {
		t.Fatalf("FETCH during IDLE: %v %v", res, err)
	}
	waitFor(t, p.tr.when(" IDLE\n", 2), "IDLE to resume after the FETCH")
	waitFor(t, p.tr.when("S: +", 2), "second IDLE continuation")
}

func (p *idlePair) expungeAndSee(t *testing.T, uid imap.UID, qresync bool) {
	ctx := testCtx(t)
	start := time.Now()
	if _, err := p.b.UIDStore(ctx, imap.UIDSetOf(uid), StoreAdd, []imap.Flag{imap.FlagDeleted}, &StoreOptions{Silent: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.b.UIDExpunge(ctx, imap.UIDSetOf(uid)); err != nil {
		t.Fatal(err)
	}
	if qresync {
		if ev := p.sink.next(t, EventVanished); !ev.UIDs.Contains(uid) {
			t.Errorf("VANISHED %v, want %d", ev.UIDs, uid)
		}
	} else if ev := p.sink.next(t, EventExpunge); ev.Num != 1 {
		t.Errorf("EXPUNGE %d, want 1", ev.Num)
	}
	t.Logf("expunge seen after %v", time.Since(start))
	if n := p.a.Exists(); n != 1 {
		t.Errorf("A counts %d messages, want 1", n)
	}
}

// TestIdlePollsWithoutIdleCap: without IDLE, Idle polls with NOOP.
func TestIdlePollsWithoutIdleCap(t *testing.T) {
	noops := make(chan struct{}, 10)
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		for l := f.read(); l != ""; l = f.read() {
			fields := strings.Fields(l)
			if len(fields) > 1 && fields[1] == "NOOP" {
				f.send("* 3 EXISTS")
				noops <- struct{}{}
			}
			f.send(fields[0] + " OK done")
		}
	})
	sink := make(eventSink, 10)
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, PollInterval: 10 * time.Millisecond, Handler: sink.handle})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- c.Idle(ctx) }()
	if ev := sink.next(t, EventExists); ev.Num != 3 {
		t.Errorf("EXISTS %d", ev.Num)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Idle: %v", err)
	}
}

// TestIdleNoChurn: commands issued back to back while Idle runs do not
// each end and restart IDLE: with the grace period, 20 NOOPs in a row
// cost at most a few IDLE/DONE pairs, not 20.
func TestIdleNoChurn(t *testing.T) {
	srv := testenv.Dovecot(t)
	tr := &traceBuf{}
	c, _ := login(t, srv, &Options{TraceWriter: tr, IdleGrace: time.Second})
	ctx := testCtx(t)
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	idleCtx, stop := context.WithCancel(ctx)
	defer stop()
	idleErr := make(chan error, 1)
	go func() { idleErr <- c.Idle(idleCtx) }()
	waitFor(t, tr.when("S: +", 1), "IDLE")
	for range 20 {
		if err := c.Noop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, tr.when("S: +", 2), "IDLE to resume")
	stop()
	if err := <-idleErr; err != nil {
		t.Fatal(err)
	}
	n := strings.Count(tr.String(), " IDLE\n")
	t.Logf("%d IDLE commands for 20 NOOPs in a row", n)
	if n > 3 {
		t.Errorf("%d IDLE commands for 20 NOOPs in a row", n)
	}
}
