package syncer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// env is two memory stores and a state database.
type env struct {
	t    *testing.T
	far  *memstore.Store
	near *memstore.Store
	db   *statedb.DB
	opts Options
}

var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, farFeat, nearFeat store.Features) *env {
	t.Helper()
	return &env{
		t:    t,
		far:  memstore.New(memstore.Options{Features: farFeat, ReportMoves: true}),
		near: memstore.New(memstore.Options{Features: nearFeat, FirstUIDValidity: 1000, ReportMoves: true}),
		db:   openDB(t),
		opts: DefaultOptions(),
	}
}

// openDB opens a throw-away state database like statedbtest.Open, but in
// /dev/shm where there is one: the engine's tests commit thousands of
// transactions, and on a disk each costs an fsync (synchronous=FULL) that
// the logical crash tests do not need. The invariants are checked at
// cleanup either way.
func openDB(t *testing.T) *statedb.DB {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
		return statedbtest.Open(t)
	}
	dir, err := os.MkdirTemp("/dev/shm", "syncer-test-")
	if err != nil {
		return statedbtest.Open(t)
	}
	db, err := statedb.Open(context.Background(), filepath.Join(dir, statedb.FileName), statedb.Options{})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("open state: %v", err)
	}
	t.Cleanup(func() {
		statedbtest.Check(t, db)
		if err := db.Close(); err != nil {
			t.Errorf("close state: %v", err)
		}
		os.RemoveAll(dir)
	})
	return db
}

// body builds a message with a Message-ID.
func body(id string, extra ...string) []byte {
	s := fmt.Sprintf("Message-ID: <%s@test>\r\nSubject: %s\r\n\r\nbody of %s\r\n", id, id, id)
	for _, e := range extra {
		s += e + "\r\n"
	}
	return []byte(s)
}

func (e *env) seed(st *memstore.Store, mailbox, id, flags string) store.UID {
	e.t.Helper()
	uid, err := st.Seed(mailbox, body(id), store.ParseFlags(flags), epoch)
	if err != nil {
		e.t.Fatalf("seed %s %s: %v", mailbox, id, err)
	}
	return uid
}

func (e *env) engine(opts Options) *Engine {
	e.t.Helper()
	eng, err := New(e.far, e.near, e.db, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return eng
}

// sync runs one account sync and fails the test on any error.
func (e *env) sync() Result {
	e.t.Helper()
	res, err := e.engine(e.opts).SyncAccount(context.Background())
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	statedbtest.Check(e.t, e.db)
	return res
}

// converged fails unless both stores hold the same content.
func (e *env) converged() {
	e.t.Helper()
	f, n := e.far.Snapshot().Content(), e.near.Snapshot().Content()
	if f != n {
		e.t.Fatalf("stores differ:\nfar:\n%s\nnear:\n%s", f, n)
	}
}

// total sums a report field over the mailboxes.
func total(res Result, f func(MailboxReport) int) int {
	n := 0
	for _, m := range res.Mailboxes {
		n += f(m)
	}
	return n
}
