package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/syncer"
)

// fastOptions are Options for tests: quick clock checks and retries.
func fastOptions() Options {
	return Options{JumpCheck: 20 * time.Millisecond, Backoff: Backoff{Base: 50 * time.Millisecond, Max: 400 * time.Millisecond},
		LivenessTimeout: 500 * time.Millisecond}
}

// TestClockJumpRechecksAtOnce: a wall-clock jump (suspend/resume) makes
// the listener redial at once and a full sync follow; changes still arrive.
func TestClockJumpRechecksAtOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	var offset atomic.Int64
	opts := fastOptions()
	opts.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	r.start(r.account(), opts)
	_, i := r.waitFor(0, "the first full sync", fullSync)
	_, _ = r.waitFor(0, "the connection", stateIs("connected"))

	offset.Add(int64(2 * time.Hour)) // the laptop slept two hours
	_, i = r.waitFor(i, "the redial", func(ev Event) bool {
		return ev.Kind == EventConnection && ev.State == "retrying" && ev.Error == errKicked.Error()
	})
	_, i = r.waitFor(i, "the new connection", stateIs("connected"))
	_, i = r.waitFor(i, "the full sync after the jump", fullSync)

	r.srv.SaveMessage(t, r.user.Name, "INBOX", message("after the jump"))
	_, i = r.waitFor(i, "the message pulled", pulledNew("INBOX", 1))
	r.localNew(t, "INBOX", "local after the jump")
	r.waitFor(i, "the local message pushed", func(ev Event) bool { return ev.Kind == EventSynced && ev.Pushed.New > 0 })
	r.sameOnBothSides(t, "INBOX", 2)
}

// TestConnectionCutAndStall: the listener's connection cut, then stalled
// (a black-holed link, noticed by the NOOP liveness check) is redialed with
// backoff; server and local changes still arrive.
func TestConnectionCutAndStall(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	p := newProxy(t, r.srv.IMAPSAddr())
	r.addr.Store(p.addr())
	acct := r.account()
	acct.Poll = 200 * time.Millisecond // the liveness check
	r.start(acct, fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)

	for n, fault := range []struct {
		name string
		do   func()
	}{{"cut", p.cut}, {"stall", p.stall}} {
		fault.do()
		ev, j := r.waitFor(i, "the retry after the "+fault.name, stateIs("retrying"))
		if ev.RetryIn <= 0 && ev.Error == "" {
			t.Errorf("%s: retry event without delay or cause: %+v", fault.name, ev)
		}
		_, j = r.waitFor(j, "the reconnection after the "+fault.name, stateIs("connected"))
		r.srv.SaveMessage(t, r.user.Name, "INBOX", message("after "+fault.name))
		_, j = r.waitFor(j, "the message after the "+fault.name, func(ev Event) bool {
			return ev.Kind == EventSynced && ev.Pulled.New > 0 && r.files("INBOX") == 2*n+1
		})
		r.localNew(t, "INBOX", "local after "+fault.name)
		_, i = r.waitFor(j, "the local message after the "+fault.name, func(ev Event) bool {
			return ev.Kind == EventSynced && ev.Pushed.New > 0
		})
	}
	r.sameOnBothSides(t, "INBOX", 4)
}

// TestServerRestart: Dovecot stopped while the watch runs; the watch
// retries with growing delays, reconnects once it is back, and changes
// arrive again.
func TestServerRestart(t *testing.T) {
	t.Parallel()
	srv, err := testenv.Start(t.Context(), testenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	r := newRig(t, srv)
	r.start(r.account(), fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)
	_, i = r.waitFor(0, "the connection", stateIs("connected"))

	if err := srv.Halt(); err != nil {
		t.Fatal(err)
	}
	var delays []time.Duration
	for len(delays) < 3 {
		var ev Event
		ev, i = r.waitFor(i, "a retry while the server is down", stateIs("retrying"))
		delays = append(delays, ev.RetryIn)
	}
	t.Logf("retry delays while down: %v", delays)
	if delays[2] <= delays[0]/2 {
		t.Errorf("no backoff visible: delays %v", delays)
	}
	if err := srv.Resume(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, i = r.waitFor(i, "the reconnection", stateIs("connected"))
	srv.SaveMessage(t, r.user.Name, "INBOX", message("after the restart"))
	_, i = r.waitFor(i, "the message after the restart", pulledNew("INBOX", 1))
	r.localNew(t, "INBOX", "local after the restart")
	r.waitFor(i, "the local message after the restart", func(ev Event) bool { return ev.Kind == EventSynced && ev.Pushed.New > 0 })
	r.sameOnBothSides(t, "INBOX", 2)
}

// TestOwnWritesCauseNothing: the files a sync writes into the Maildir do
// not cause another sync: between the sync that pulls a message and a
// later, unrelated sync, INBOX is not synced again.
func TestOwnWritesCauseNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	r.srv.CreateMailbox(t, r.user.Name, "Fence")
	r.start(r.account(), fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)
	for round := range 3 {
		r.srv.SaveMessages(t, r.user.Name, "INBOX", message(fmt.Sprintf("own %d a", round)), message(fmt.Sprintf("own %d b", round)))
		_, i = r.waitFor(i, "the pull", pulledNew("INBOX", 2))
		r.srv.SaveMessage(t, r.user.Name, "Fence", message(fmt.Sprintf("fence %d", round)))
		var ev Event
		for {
			ev, i = r.waitFor(i, "a sync", func(ev Event) bool { return ev.Kind == EventSynced })
			if ev.Mailbox == "INBOX" {
				t.Fatalf("INBOX synced again after its pull (round %d):\n%s", round, r.eventsText())
			}
			if ev.Full || ev.Mailbox == "Fence" {
				break
			}
		}
	}
}

// TestWithoutNotify: on a server without NOTIFY, INBOX and the hot
// mailboxes are idled on (one connection each) and the others polled;
// changes arrive in all three.
func TestWithoutNotify(t *testing.T) {
	t.Parallel()
	srv, err := testenv.Start(t.Context(), testenv.Options{
		ExtraConfig: "imap_capability = IMAP4rev1 IDLE UIDPLUS CONDSTORE QRESYNC ENABLE LIST-STATUS LITERAL+ MOVE ESEARCH UNSELECT\n"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	r := newRig(t, srv)
	for _, m := range []string{"Lists", "Other"} {
		srv.CreateMailbox(t, r.user.Name, m)
	}
	acct := r.account()
	acct.Hot = []string{"INBOX", "Lists"}
	acct.Poll = 300 * time.Millisecond
	r.start(acct, fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)
	for _, want := range []string{"idle INBOX", "idle Lists"} {
		r.waitFor(0, "the listener "+want, func(ev Event) bool { return ev.Kind == EventConnection && ev.Detail == want })
	}
	for _, m := range []string{"INBOX", "Lists", "Other"} {
		srv.SaveMessage(t, r.user.Name, m, message("to "+m))
		_, i = r.waitFor(i, "the message in "+m, pulledNew(m, 1))
		if n := r.files(m); n != 1 {
			t.Errorf("%s holds %d files, want 1", m, n)
		}
	}
}

// TestLocalFolderMadeLater: a folder created in the Maildir while the watch
// runs is watched too: a message put into it reaches the server.
func TestLocalFolderMadeLater(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	r.start(r.account(), fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)
	if _, err := maildir.LayoutFS.Create(r.root, "Projects/2026"); err != nil {
		t.Fatal(err)
	}
	_, i = r.waitFor(i, "the new folder's sync", func(ev Event) bool { return ev.Kind == EventSynced })
	name := filepath.Join(r.root, "Projects", "2026", "cur", "1764840000.M1P1Q1.local:2,S")
	if err := os.WriteFile(name, message("made later"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.waitFor(i, "the message pushed", func(ev Event) bool { return ev.Kind == EventSynced && ev.Pushed.New == 1 })
	if st := r.srv.MailboxStatus(t, r.user.Name, "Projects/2026"); st["messages"] != "1" {
		t.Errorf("server Projects/2026: %v", st)
	}
}

// failing fails the sync of one mailbox a number of times.
type failing struct {
	Engine
	mailbox string
	left    *atomic.Int32
}

func (f failing) SyncMailboxes(ctx context.Context, names []string) (syncer.Result, error) {
	var res syncer.Result
	var rest []string
	for _, name := range names {
		if name == f.mailbox && f.left.Add(-1) >= 0 {
			err := store.Errorf(store.ScopeMailbox, true, "select", name, 0, "injected failure")
			res.Mailboxes = append(res.Mailboxes, syncer.MailboxReport{Mailbox: name, Err: err})
			continue
		}
		rest = append(rest, name)
	}
	if len(rest) == 0 {
		return res, nil
	}
	out, err := f.Engine.SyncMailboxes(ctx, rest)
	res.Mailboxes = append(res.Mailboxes, out.Mailboxes...)
	return res, err
}

// failingBackend wraps the rig's engines in failing.
type failingBackend struct {
	testBackend
	mailbox string
	left    *atomic.Int32
}

func (b failingBackend) OpenEngine(ctx context.Context, db *statedb.DB) (Engine, error) {
	e, err := b.testBackend.OpenEngine(ctx, db)
	if err != nil {
		return nil, err
	}
	return failing{Engine: e, mailbox: b.mailbox, left: b.left}, nil
}

// TestFailedSyncRetriedOthersGoOn: a mailbox whose sync fails is retried
// with growing delays until it works, while another mailbox's changes
// keep arriving.
func TestFailedSyncRetriedOthersGoOn(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	r.srv.CreateMailbox(t, r.user.Name, "Broken")
	acct := r.account()
	left := new(atomic.Int32)
	acct.Backend = failingBackend{testBackend: testBackend{r}, mailbox: "Broken", left: left}
	r.start(acct, fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)
	left.Store(3)
	r.srv.SaveMessage(t, r.user.Name, "Broken", message("broken one"))
	var delays []time.Duration
	for len(delays) < 3 {
		var ev Event
		ev, i = r.waitFor(i, "a failure of Broken", func(ev Event) bool { return ev.Kind == EventError && ev.Mailbox == "Broken" })
		delays = append(delays, ev.RetryIn)
		if len(delays) == 1 { // meanwhile INBOX goes on
			r.srv.SaveMessage(t, r.user.Name, "INBOX", message("fine"))
		}
	}
	t.Logf("retry delays: %v", delays)
	if delays[2] <= delays[0] {
		t.Errorf("delays do not grow: %v", delays)
	}
	r.waitFor(0, "INBOX synced meanwhile", pulledNew("INBOX", 1))
	r.waitFor(i, "Broken synced at last", pulledNew("Broken", 1))
}

// TestFullSyncEveryInterval: besides the one at start, a full sync runs
// every FullSync interval.
func TestFullSyncEveryInterval(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	acct := r.account()
	acct.FullSync = 500 * time.Millisecond
	r.start(acct, fastOptions())
	_, i := r.waitFor(0, "the first full sync", fullSync)
	_, i = r.waitFor(i, "the second full sync", fullSync)
	_, _ = r.waitFor(i, "the third full sync", fullSync)
}
