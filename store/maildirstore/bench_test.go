package maildirstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/storetest"
)

// BenchmarkList lists the metadata of 100 000 messages (issue #6). The
// files are written directly (with Dovecot's ,W= size field, so the first
// scan need not read them); the first open indexes them, outside the timer.
func BenchmarkList(b *testing.B) {
	const n = 100_000
	ts := newTestStoreB(b)
	cur := filepath.Join(ts.root, "INBOX", "cur")
	body := []byte("Subject: x\n\nbody\n")
	namer := maildir.NewNamer()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s,S=%d,W=%d:2,S", namer.Next(), len(body), len(body)+3)
		if err := os.WriteFile(filepath.Join(cur, name), body, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	mb, err := ts.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	defer mb.Close()
	if got := storetest.BenchList(b, mb, store.ListOptions{}); got != n {
		b.Fatalf("listed %d, want %d", got, n)
	}
}

// BenchmarkNoChangeChanges asks a 50 000-message folder what changed since
// the current checkpoint, as a no-change resync does: one directory scan
// and the signature check, no index read.
func BenchmarkNoChangeChanges(b *testing.B) {
	const n = 50_000
	ts := newTestStoreB(b)
	seedFiles(b, filepath.Join(ts.root, "INBOX", "cur"), n)
	ctx := context.Background()
	mb, err := ts.OpenMailbox(ctx, "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	cp, err := mb.Changes(ctx, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}}, func(store.ChangeSet) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	mb.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mb, err := ts.OpenMailbox(ctx, "INBOX")
		if err != nil {
			b.Fatal(err)
		}
		changed := 0
		if _, err := mb.Changes(ctx, store.ChangesRequest{Since: cp}, func(cs store.ChangeSet) error {
			changed += len(cs.Changed) + len(cs.Vanished)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if changed != 0 {
			b.Fatalf("%d changes reported, want 0", changed)
		}
		mb.Close()
	}
}

func seedFiles(b *testing.B, cur string, n int) {
	body := []byte("Subject: x\n\nbody\n")
	namer := maildir.NewNamer()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s,S=%d,W=%d:2,S", namer.Next(), len(body), len(body)+3)
		if err := os.WriteFile(filepath.Join(cur, name), body, 0o600); err != nil {
			b.Fatal(err)
		}
	}
}

func newTestStoreB(b *testing.B) *testStore {
	b.Helper()
	root := b.TempDir()
	db, err := statedb.Open(context.Background(), statedb.DefaultPath(root), statedb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := New(Options{Root: root, Layout: maildir.LayoutFS, DB: db})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := maildir.LayoutFS.Create(root, "INBOX"); err != nil {
		b.Fatal(err)
	}
	return &testStore{Store: s, root: root, db: db}
}
