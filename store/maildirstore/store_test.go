package maildirstore

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/storetest"
)

// testStore is a store with its directory and database, for the hooks.
type testStore struct {
	*Store
	root string
	db   *statedb.DB
}

func newTestStore(t *testing.T, layout maildir.Layout) *testStore {
	t.Helper()
	root := t.TempDir()
	db, err := statedb.Open(context.Background(), statedb.DefaultPath(root), statedb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		statedbtest.Check(t, db)
		db.Close()
	})
	s, err := New(Options{Root: root, Layout: layout, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := layout.Create(root, "INBOX"); err != nil {
		t.Fatal(err)
	}
	return &testStore{Store: s, root: root, db: db}
}

func unwrap(t *testing.T, st store.Store) *testStore {
	t.Helper()
	ts, ok := st.(*testStore)
	if !ok {
		t.Fatalf("store is %T", st)
	}
	return ts
}

// fileOf finds the file of uid in mailbox, as a mail reader would see it.
func (ts *testStore) fileOf(t *testing.T, mailbox string, uid store.UID) (*maildir.Folder, maildir.Entry) {
	t.Helper()
	var nm statedb.NearMessage
	err := ts.db.View(context.Background(), func(tx *statedb.Tx) error {
		mb, found, err := tx.NearMailboxByName(mailbox)
		if err != nil || !found {
			t.Fatalf("mailbox %q not indexed (%v)", mailbox, err)
		}
		var ok bool
		nm, ok, err = tx.NearMessageByUID(mb.ID, uint32(uid))
		if !ok {
			t.Fatalf("uid %d not indexed in %q", uid, mailbox)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := ts.opts.Layout.Open(ts.root, mailbox)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := f.Scan(context.Background(), maildir.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name.Unique == nm.UniqueName {
			return f, e
		}
	}
	t.Fatalf("file of uid %d (%s) not found in %q", uid, nm.UniqueName, mailbox)
	return nil, maildir.Entry{}
}

func harness(layout maildir.Layout) storetest.Harness {
	return storetest.Harness{
		New: func(t *testing.T) store.Store { return newTestStore(t, layout) },
		AppendBehind: func(t *testing.T, st store.Store, mailbox string, body []byte, flags store.Flags, date time.Time) {
			ts := unwrap(t, st)
			f, err := ts.opts.Layout.Open(ts.root, mailbox)
			if err != nil {
				t.Fatal(err)
			}
			letters, _, _, err := lettersOf(maildir.Flags{}, flags, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Deliver(context.Background(), bytes.NewReader(body), maildir.DeliverOptions{Flags: letters, ModTime: date, ToLF: true}); err != nil {
				t.Fatal(err)
			}
		},
		ChangeFlagsBehind: func(t *testing.T, st store.Store, mailbox string, uid store.UID, add, remove store.Flags) {
			ts := unwrap(t, st)
			f, e := ts.fileOf(t, mailbox, uid)
			kw, err := f.ReadKeywords()
			if err != nil {
				t.Fatal(err)
			}
			flags := flagsOf(e.Flags(), kw).Union(add).Minus(remove)
			letters, changed, _, err := lettersOf(e.Flags(), flags, kw)
			if err != nil {
				t.Fatal(err)
			}
			if changed {
				if err := f.WriteKeywords(kw); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.SetFlags(context.Background(), e, letters); err != nil {
				t.Fatal(err)
			}
		},
		ExpungeBehind: func(t *testing.T, st store.Store, mailbox string, uids ...store.UID) {
			ts := unwrap(t, st)
			for _, uid := range uids {
				f, e := ts.fileOf(t, mailbox, uid)
				if err := os.Remove(e.Path(f)); err != nil {
					t.Fatal(err)
				}
			}
		},
		ResetUIDValidity: func(t *testing.T, st store.Store, mailbox string) {
			ts := unwrap(t, st)
			err := ts.db.Update(context.Background(), func(tx *statedb.Tx) error {
				nm, found, err := tx.NearMailboxByName(mailbox)
				if err != nil || !found {
					return err
				}
				return tx.DeleteNearMailbox(nm.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		Reopen: func(t *testing.T, st store.Store) store.Store {
			ts := unwrap(t, st)
			if err := ts.Store.Close(); err != nil {
				t.Fatal(err)
			}
			s, err := New(ts.opts)
			if err != nil {
				t.Fatal(err)
			}
			return &testStore{Store: s, root: ts.root, db: ts.db}
		},
	}
}

func TestConformanceFS(t *testing.T)        { storetest.Run(t, harness(maildir.LayoutFS)) }
func TestConformanceMaildirPP(t *testing.T) { storetest.Run(t, harness(maildir.LayoutMaildirPP)) }
func TestConformanceDots(t *testing.T)      { storetest.Run(t, harness(maildir.LayoutDots)) }
func TestConformanceLegacy(t *testing.T)    { storetest.Run(t, harness(maildir.LayoutLegacyMUTF7)) }
