package e2etest

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/syncer"
)

// wire counts what crosses the IMAP connections of one side: bytes each
// way (a counting net.Conn) and, from the protocol trace, the commands
// that fetch or send message bodies.
type wire struct {
	read, written atomic.Int64
	// bodyFetches counts client commands asking for a body
	// (BODY[…], BODY.PEEK[…], BINARY[…], RFC822).
	bodyFetches atomic.Int64
	// appends counts APPEND commands.
	appends atomic.Int64
	// selects counts SELECT and EXAMINE commands.
	selects atomic.Int64
	// dials counts the connections opened.
	dials atomic.Int64
	// turns counts round trips: client writes made after the client
	// read server data (the previous round trip's answer, or the
	// greeting). Meaningful for one connection at a time.
	turns atomic.Int64
	// wrote: the client wrote since its last read; answered: it read
	// since the round trip began.
	wrote, answered atomic.Bool
	// lag, when set, delays the first server data of each round trip, as
	// a slow link would: commands a client pipelines then fall into one
	// round trip however the machine schedules its goroutines.
	lag atomic.Int64 // time.Duration

	mu sync.Mutex
	// cmds holds the client's command lines since the last reset (at
	// most maxCmds), for failure messages.
	cmds []string
}

const maxCmds = 100

// total returns the bytes both ways.
func (w *wire) total() int64 { return w.read.Load() + w.written.Load() }

// reset zeroes the counters.
func (w *wire) reset() {
	w.read.Store(0)
	w.written.Store(0)
	w.bodyFetches.Store(0)
	w.appends.Store(0)
	w.selects.Store(0)
	w.dials.Store(0)
	w.turns.Store(0)
	w.wrote.Store(false)
	w.answered.Store(false)
	w.mu.Lock()
	w.cmds = nil
	w.mu.Unlock()
}

// commands returns the client's command lines since the last reset.
func (w *wire) commands() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.cmds, "")
}

// Write receives the client's trace, one line per call ("C: …" or
// "S: …"), and counts the body transfers the client asks for.
func (w *wire) Write(p []byte) (int, error) {
	line := string(p)
	if !strings.HasPrefix(line, "C: ") {
		return len(p), nil
	}
	w.mu.Lock()
	if len(w.cmds) < maxCmds {
		w.cmds = append(w.cmds, line)
	}
	w.mu.Unlock()
	up := strings.ToUpper(line)
	if strings.Contains(up, " FETCH ") && fetchesBody(up) {
		w.bodyFetches.Add(1)
	}
	if strings.Contains(up, " APPEND ") {
		w.appends.Add(1)
	}
	if f := strings.Fields(up); len(f) > 2 && (f[2] == "SELECT" || f[2] == "EXAMINE") {
		w.selects.Add(1)
	}
	return len(p), nil
}

// fetchesBody reports whether an upper-cased FETCH command asks for a
// whole message or its text (RFC 9051 §6.4.5: BODY[], BODY[TEXT],
// BINARY[], RFC822, RFC822.TEXT), not only header fields.
func fetchesBody(cmd string) bool {
	for _, item := range []string{"BODY[]", "BODY.PEEK[]", "BODY[TEXT]", "BODY.PEEK[TEXT]",
		"BINARY[]", "BINARY.PEEK[]", "RFC822 ", "RFC822)", "RFC822.TEXT"} {
		if strings.Contains(cmd, item) {
			return true
		}
	}
	return false
}

// countingConn adds its traffic to a wire.
type countingConn struct {
	net.Conn
	w *wire
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.read.Add(int64(n))
	if n > 0 && c.w.wrote.Swap(false) {
		if lag := time.Duration(c.w.lag.Load()); lag > 0 {
			time.Sleep(lag) // the simulated link's delay, not a wait for an event
		}
	}
	if n > 0 {
		c.w.answered.Store(true)
	}
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	if c.w.answered.Swap(false) {
		c.w.turns.Add(1)
	}
	c.w.wrote.Store(true)
	n, err := c.Conn.Write(p)
	c.w.written.Add(int64(n))
	return n, err
}

// dialer logs in to srv as u over plaintext loopback, counting into w.
func dialer(srv testenv.MailServer, u testenv.User, w *wire) func(context.Context) (*imapclient.Client, error) {
	return func(ctx context.Context) (*imapclient.Client, error) {
		opts := &imapclient.Options{
			InsecurePlaintext: true,
			TraceWriter:       w,
			Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
				var d net.Dialer
				conn, err := d.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				w.dials.Add(1)
				return countingConn{Conn: conn, w: w}, nil
			},
		}
		c, err := imapclient.Dial(ctx, srv.IMAPAddr(), opts)
		if err != nil {
			return nil, err
		}
		if err := c.Login(ctx, u.Name, imapclient.SecretString(u.Password)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// openIMAP opens user u of srv as a store counting into w.
func openIMAP(tb testing.TB, srv testenv.MailServer, u testenv.User, w *wire, listAtOpen bool) *imapstore.Store {
	tb.Helper()
	st, err := imapstore.New(context.Background(), imapstore.Options{Dial: dialer(srv, u, w), SpoolDir: tb.TempDir(), ListAtOpen: listAtOpen})
	if err != nil {
		tb.Fatalf("imapstore.New for %s: %v", u.Name, err)
	}
	return st
}

// rig is one account: a far store over a test server's user (Dovecot
// unless the test picks another kind) and a near store (a Maildir under
// root, or a second user of the same server), with the state database
// where a real run keeps it (statedb.DefaultPath(root)).
type rig struct {
	tb   testing.TB
	srv  testenv.MailServer
	user testenv.User
	// nearUser is set when the near side is a second Dovecot user.
	nearUser *testenv.User
	root     string
	// newDir opens the Maildir store with NewForUnseen (new_dir = true).
	newDir bool
	// layout is the Maildir's layout (zero: the store's default, fs).
	layout   maildir.Layout
	farWire  wire
	nearWire wire
	// listAtOpen opens the IMAP stores as the command does
	// (imapstore.Options.ListAtOpen).
	listAtOpen bool
	far        store.Store
	near       store.Store
	db         *statedb.DB
	closed     bool
}

// newMaildirRig returns a rig syncing a fresh Dovecot user with an empty
// Maildir.
func newMaildirRig(tb testing.TB) *rig {
	tb.Helper()
	return newMaildirRigOn(tb, testenv.KindDovecot)
}

// newMaildirRigOn returns a rig syncing a fresh user of the shared server
// of kind with an empty Maildir.
func newMaildirRigOn(tb testing.TB, kind testenv.Kind) *rig {
	tb.Helper()
	srv := testenv.Shared(tb, kind)
	return maildirRigFor(tb, srv, srv.NewUser(tb), tb.TempDir())
}

// maildirRigFor returns a rig syncing user u of srv with the Maildir at
// root; the caller closes it.
func maildirRigFor(tb testing.TB, srv testenv.MailServer, u testenv.User, root string) *rig {
	tb.Helper()
	r := &rig{tb: tb, srv: srv, user: u, root: root}
	r.open()
	tb.Cleanup(r.close)
	return r
}

// newIMAPRig returns a rig syncing two fresh users of the shared server
// of kind.
func newIMAPRig(tb testing.TB, kind testenv.Kind) *rig {
	tb.Helper()
	srv := testenv.Shared(tb, kind)
	nu := srv.NewUser(tb)
	r := &rig{tb: tb, srv: srv, user: srv.NewUser(tb), nearUser: &nu, root: tb.TempDir()}
	r.open()
	tb.Cleanup(r.close)
	return r
}

// open opens the database and both stores, as a new process would.
func (r *rig) open() {
	r.tb.Helper()
	db, err := statedb.Open(context.Background(), statedb.DefaultPath(r.root), statedb.Options{})
	if err != nil {
		r.tb.Fatalf("statedb.Open: %v", err)
	}
	r.db = db
	r.far = openIMAP(r.tb, r.srv, r.user, &r.farWire, r.listAtOpen)
	if r.nearUser != nil {
		r.near = openIMAP(r.tb, r.srv, *r.nearUser, &r.nearWire, r.listAtOpen)
	} else {
		near, err := maildirstore.New(maildirstore.Options{Root: r.root, DB: db, NewForUnseen: r.newDir, Layout: r.layout})
		if err != nil {
			r.tb.Fatalf("maildirstore.New: %v", err)
		}
		r.near = near
	}
	r.closed = false
}

// close closes the stores and the database (idempotent).
func (r *rig) close() {
	if r.closed {
		return
	}
	r.closed = true
	if err := r.far.Close(); err != nil {
		r.tb.Errorf("closing far store: %v", err)
	}
	if err := r.near.Close(); err != nil {
		r.tb.Errorf("closing near store: %v", err)
	}
	if err := r.db.Close(); err != nil {
		r.tb.Errorf("closing state database: %v", err)
	}
}

// dovecot returns the rig's server for a test that needs doveadm.
func (r *rig) dovecot() *testenv.Server {
	r.tb.Helper()
	d, ok := r.srv.(*testenv.Server)
	if !ok {
		r.tb.Fatalf("this test needs Dovecot, not %s", r.srv.Kind())
	}
	return d
}

// reopen closes everything and opens it again: the next run starts as a
// new process would, from what is on disk and on the server.
func (r *rig) reopen() {
	r.tb.Helper()
	r.close()
	r.open()
}

// engine returns an engine over the rig's stores with opts, reporting to
// rec.
func (r *rig) engine(opts syncer.Options, rec *recorder) *syncer.Engine {
	r.tb.Helper()
	opts.Observer = rec
	eng, err := syncer.New(r.far, r.near, r.db, opts)
	if err != nil {
		r.tb.Fatalf("syncer.New: %v", err)
	}
	return eng
}

// syncWith runs one account sync with opts and returns its result and
// what the observer saw; a store-level error fails the test, mailbox
// errors are the caller's to check (Result.Err). The state database's
// invariants are checked after the run.
func (r *rig) syncWith(opts syncer.Options) (syncer.Result, *recorder) {
	r.tb.Helper()
	rec := newRecorder()
	res, err := r.engine(opts, rec).SyncAccount(context.Background())
	if err != nil {
		r.tb.Fatalf("sync: %v", err)
	}
	statedbtest.Check(r.tb, r.db)
	return res, rec
}

// sync runs one account sync with the default options and fails the
// test on any error, a mailbox's included.
func (r *rig) sync() (syncer.Result, *recorder) {
	r.tb.Helper()
	res, rec := r.syncWith(syncer.DefaultOptions())
	if err := res.Err(); err != nil {
		r.tb.Fatalf("sync: %v", err)
	}
	return res, rec
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu       sync.Mutex
	warns    []string
	errs     []string
	notes    []string
	progress [2]int
	// onProgress, when set, is called after each message copied with the
	// count so far (both directions).
	onProgress func(n int)
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) MailboxStart(syncer.MailboxStart) {}
func (r *recorder) MailboxDone(syncer.MailboxReport) {}

func (r *recorder) Progress(_ string, to syncer.Side, _ int64) {
	r.mu.Lock()
	r.progress[to]++
	n := r.progress[0] + r.progress[1]
	hook := r.onProgress
	r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
}

func (r *recorder) Note(mailbox, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, mailbox+": "+msg)
}

func (r *recorder) Warn(mailbox, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warns = append(r.warns, mailbox+": "+msg)
}

func (r *recorder) Error(mailbox string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, mailbox+": "+err.Error())
}

// warnings returns the warnings seen so far.
func (r *recorder) warnings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.warns...)
}

// errors returns the mailbox errors seen so far.
func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// totals sums a result's counters over its mailboxes (index: the side
// where the change was made).
type totals struct {
	New, Changed, Deleted, Moved [2]int
	Failed, Conflicts            int
	Held                         []string
}

func sumResult(res syncer.Result) totals {
	var t totals
	for _, m := range res.Mailboxes {
		for s := range 2 {
			t.New[s] += m.New[s]
			t.Changed[s] += m.Changed[s]
			t.Deleted[s] += m.Deleted[s]
			t.Moved[s] += m.Moved[s]
		}
		t.Failed += m.Failed
		t.Conflicts += m.Conflicts
		if m.Held != nil {
			t.Held = append(t.Held, m.Mailbox)
		}
	}
	return t
}

// idle reports whether t shows no change at all.
func (t totals) idle() bool {
	return t.New == [2]int{} && t.Changed == [2]int{} && t.Deleted == [2]int{} && t.Moved == [2]int{} &&
		t.Failed == 0 && t.Conflicts == 0 && len(t.Held) == 0
}
