package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/syncer"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// rig is one account watched in-process: a Dovecot user, a Maildir, and
// the events of a running Run.
type rig struct {
	t     testing.TB
	srv   *testenv.Server
	user  testenv.User
	root  string
	addr  atomic.Value // string: where to dial (the server or a proxy)
	dials atomic.Int32 // listener and store connections dialed
	open  atomic.Int32 // connections open now

	mu     sync.Mutex
	all    []Event
	notify chan struct{} // signaled on each event
	stop   func()
}

func newRig(t testing.TB, srv *testenv.Server) *rig {
	r := &rig{t: t, srv: srv, user: srv.NewUser(t), root: filepath.Join(t.TempDir(), "Maildir"),
		notify: make(chan struct{}, 1)}
	r.addr.Store(srv.IMAPSAddr())
	return r
}

// account is the rig's account with a test backend.
func (r *rig) account() Account {
	return Account{Name: "test", Maildir: r.root, Layout: maildir.LayoutFS, Connections: 4,
		Key: "k", Backend: testBackend{r}}
}

// start runs the watch on acct until the test ends.
func (r *rig) start(acct Account, opts Options) {
	ctx, cancel := context.WithCancel(context.Background())
	opts.Events = r.record
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, opts, []Account{acct}, nil)
	}()
	r.stop = func() { cancel(); <-done }
	r.t.Cleanup(r.stop)
}

func (r *rig) record(ev Event) {
	r.mu.Lock()
	r.all = append(r.all, ev)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// waitFor returns the first event from index from on that satisfies pred,
// and the index after it; it fails the test after a minute.
func (r *rig) waitFor(from int, desc string, pred func(Event) bool) (Event, int) {
	r.t.Helper()
	deadline := time.After(time.Minute)
	for {
		r.mu.Lock()
		for i := from; i < len(r.all); i++ {
			if pred(r.all[i]) {
				ev := r.all[i]
				r.mu.Unlock()
				return ev, i + 1
			}
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-deadline:
			r.t.Fatalf("no %s within a minute; events:\n%s", desc, r.eventsText())
		}
	}
}

// mark returns the index of the next event.
func (r *rig) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

func (r *rig) eventsText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, ev := range r.all {
		fmt.Fprintf(&b, "  %s %s %s full=%v pulled=%+v pushed=%+v state=%s %s err=%q retry=%s\n",
			ev.Time.Format("15:04:05.000"), ev.Kind, ev.Mailbox, ev.Full, ev.Pulled, ev.Pushed, ev.State, ev.Detail, ev.Error, ev.RetryIn)
	}
	return b.String()
}

func fullSync(ev Event) bool { return ev.Kind == EventSynced && ev.Full }

// pulledNew matches a sync (of mailbox or full) that pulled n new messages.
func pulledNew(mailbox string, n int) func(Event) bool {
	return func(ev Event) bool {
		return ev.Kind == EventSynced && (ev.Full || ev.Mailbox == mailbox) && ev.Pulled.New == n
	}
}

func stateIs(state string) func(Event) bool {
	return func(ev Event) bool { return ev.Kind == EventConnection && ev.State == state }
}

// files counts the message files of mailbox's folder.
func (r *rig) files(mailbox string) int {
	r.t.Helper()
	dir, err := maildir.LayoutFS.Path(r.root, mailbox)
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	for _, sub := range []string{"new", "cur"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		n += len(ents)
	}
	return n
}

// message returns a small message.
func message(subject string) []byte {
	return []byte(fmt.Sprintf("From: a@example.com\r\nMessage-ID: <%s@example.com>\r\nSubject: %s\r\n\r\nbody\r\n",
		strings.ReplaceAll(subject, " ", "."), subject))
}

// testBackend opens the rig's account as the CLI would.
type testBackend struct{ r *rig }

func (b testBackend) OpenState(ctx context.Context) (*statedb.DB, func() error, error) {
	if err := os.MkdirAll(b.r.root, 0o700); err != nil {
		return nil, nil, err
	}
	l, err := statedb.AcquireLock(b.r.root)
	if err != nil {
		return nil, nil, err
	}
	db, err := statedb.Open(ctx, statedb.DefaultPath(b.r.root), statedb.Options{})
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	return db, func() error { return errors.Join(db.Close(), l.Close()) }, nil
}

func (b testBackend) OpenEngine(ctx context.Context, db *statedb.DB) (Engine, error) {
	far, err := imapstore.New(ctx, imapstore.Options{Connections: 2,
		Dial: func(ctx context.Context) (*imapclient.Client, error) { return b.Dial(ctx, nil, 0) }})
	if err != nil {
		return nil, err
	}
	near, err := maildirstore.New(maildirstore.Options{Root: b.r.root, Layout: maildir.LayoutFS, DB: db, NewForUnseen: true})
	if err != nil {
		far.Close()
		return nil, err
	}
	opts := syncer.DefaultOptions()
	opts.Account = "test"
	eng, err := syncer.New(far, near, db, opts)
	if err != nil {
		far.Close()
		near.Close()
		return nil, err
	}
	return &testEngine{Engine: eng, far: far, near: near}, nil
}

func (b testBackend) Dial(ctx context.Context, h func(imapclient.Event), idle time.Duration) (*imapclient.Client, error) {
	b.r.dials.Add(1)
	c, err := imapclient.Dial(ctx, b.r.addr.Load().(string), &imapclient.Options{TLSConfig: b.r.srv.TLSConfig(),
		Handler: h, IdleRestart: idle, DialTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	b.r.open.Add(1)
	go func() { <-c.Done(); b.r.open.Add(-1) }()
	if err := c.Login(ctx, b.r.user.Name, imapclient.SecretString(b.r.user.Password)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

type testEngine struct {
	*syncer.Engine
	far, near store.Store
}

func (e *testEngine) Close() error { return errors.Join(e.far.Close(), e.near.Close()) }

// localNew delivers a message into mailbox's folder as a mail reader would.
func (r *rig) localNew(t *testing.T, mailbox, subject string) {
	t.Helper()
	dir, err := maildir.LayoutFS.Path(r.root, mailbox)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%d.M%dP1Q1.reader:2,S", time.Now().Unix(), time.Now().UnixNano()%1e6)
	if err := os.WriteFile(filepath.Join(dir, "tmp", name), message(subject), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "tmp", name), filepath.Join(dir, "cur", name)); err != nil {
		t.Fatal(err)
	}
}

// sameOnBothSides checks that mailbox holds n messages on each side, each
// Message-ID once.
func (r *rig) sameOnBothSides(t *testing.T, mailbox string, n int) {
	t.Helper()
	ids := map[string]int{}
	for _, row := range r.srv.Fetch(t, r.user.Name, mailbox, "hdr.message-id") {
		ids[row["hdr.message-id"]]++
	}
	if len(ids) != n {
		t.Errorf("server %s holds %d distinct messages, want %d: %v", mailbox, len(ids), n, ids)
	}
	for id, c := range ids {
		if c != 1 {
			t.Errorf("server %s: %s %d times", mailbox, id, c)
		}
	}
	if got := r.files(mailbox); got != n {
		t.Errorf("Maildir %s holds %d files, want %d", mailbox, got, n)
	}
}
