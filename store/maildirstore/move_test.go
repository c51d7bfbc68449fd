package maildirstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// TestMoveByMailReader moves a file from INBOX/cur to Archive/cur, marking
// it seen on the way (its name changes, its unique part stays, as mu4e and
// mutt do it), and checks that the store reports a move — Origin on the
// destination, MovedOut on the source — not a deletion plus a new message,
// whichever folder is scanned first.
func TestMoveByMailReader(t *testing.T) {
	for _, order := range []string{"source first", "destination first"} {
		t.Run(order, func(t *testing.T) {
			ctx := context.Background()
			ts := newTestStore(t, maildir.LayoutFS)
			if err := ts.CreateMailbox(ctx, "Archive", ""); err != nil {
				t.Fatal(err)
			}
			inbox, cp := openWith(t, ts, "INBOX", 3)
			arch, archCP := openWith(t, ts, "Archive", 0)
			inbox.Close()
			arch.Close()

			src, e := ts.fileOf(t, "INBOX", 2)
			dst := filepath.Join(ts.root, "Archive", "cur", e.Name.WithFlags(maildir.ParseFlags("S")).String())
			if err := os.Rename(e.Path(src), dst); err != nil {
				t.Fatal(err)
			}

			var moved []store.Move
			var vanished []store.UID
			var arrived []store.Message
			scanSource := func() {
				mb := open(t, ts, "INBOX")
				defer mb.Close()
				_, err := mb.Changes(ctx, store.ChangesRequest{Since: cp, Known: slices.Values([]store.UID{1, 2, 3})}, func(cs store.ChangeSet) error {
					vanished = append(vanished, cs.Vanished...)
					moved = append(moved, cs.MovedOut...)
					if len(cs.Changed) > 0 {
						t.Errorf("INBOX reports changed %v", cs.Changed)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			scanDest := func() {
				mb := open(t, ts, "Archive")
				defer mb.Close()
				_, err := mb.Changes(ctx, store.ChangesRequest{Since: archCP}, func(cs store.ChangeSet) error {
					arrived = append(arrived, cs.Changed...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if order == "source first" {
				scanSource()
				scanDest()
			} else {
				scanDest()
				scanSource()
			}
			if !slices.Equal(vanished, []store.UID{2}) {
				t.Fatalf("vanished %v, want [2]", vanished)
			}
			if len(arrived) != 1 || arrived[0].Origin == nil || *arrived[0].Origin != (store.Origin{Mailbox: "INBOX", UID: 2}) {
				t.Fatalf("Archive reports %+v, want one message with Origin INBOX uid 2", arrived)
			}
			if !arrived[0].Flags.Has(store.Seen) {
				t.Errorf("moved message flags %v, want \\Seen (set by the reader while moving)", arrived[0].Flags)
			}
			want := store.Move{UID: 2, Dest: "Archive", DestUID: arrived[0].UID}
			if len(moved) != 1 || moved[0] != want {
				t.Fatalf("MovedOut %+v, want [%+v]", moved, want)
			}
		})
	}
}

// TestCopyByMailReader: a file copied (same unique name in two folders)
// is a new message in the second folder, and the original stays put.
func TestCopyByMailReader(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	if err := ts.CreateMailbox(ctx, "Archive", ""); err != nil {
		t.Fatal(err)
	}
	inbox, _ := openWith(t, ts, "INBOX", 1)
	inbox.Close()
	src, e := ts.fileOf(t, "INBOX", 1)
	data, err := os.ReadFile(e.Path(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ts.root, "Archive", "cur", e.File), data, 0o600); err != nil {
		t.Fatal(err)
	}
	arch := open(t, ts, "Archive")
	defer arch.Close()
	if got := arch.Status().Messages; got != 1 {
		t.Fatalf("Archive has %d messages, want 1", got)
	}
	inbox = open(t, ts, "INBOX")
	defer inbox.Close()
	if got := inbox.Status().Messages; got != 1 {
		t.Fatalf("INBOX has %d messages after the copy, want 1", got)
	}
}

func open(t *testing.T, ts *testStore, name string) store.Mailbox {
	t.Helper()
	mb, err := ts.OpenMailbox(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

// openWith opens name, appends n messages and returns the mailbox with the
// checkpoint taken after them.
func openWith(t *testing.T, ts *testStore, name string, n int) (store.Mailbox, store.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	mb := open(t, ts, name)
	for i := 1; i <= n; i++ {
		body := []byte(fmt.Sprintf("Message-ID: <m%d@test>\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i, i))
		if _, err := mb.Append(ctx, store.NewMessage{Body: bytes.NewReader(body), Size: int64(len(body)), InternalDate: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cp, err := mb.Changes(ctx, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}}, func(store.ChangeSet) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return mb, cp
}

// TestDirectoryTimesShortcut: once new/ and cur/ have been still for a
// while, an unchanged folder is recognised from their mtimes alone; a flag
// change by a mail reader (a rename, which moves cur/'s mtime) is still
// seen, and so is a file removed.
func TestDirectoryTimesShortcut(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 3)
	mb.Close()
	age := func() {
		old := time.Now().Add(-time.Hour)
		for _, sub := range []string{"new", "cur"} {
			if err := os.Chtimes(filepath.Join(ts.root, "INBOX", sub), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	changes := func() (changed, vanished int) {
		mb := open(t, ts, "INBOX")
		defer mb.Close()
		var err error
		cp, err = mb.Changes(ctx, store.ChangesRequest{Since: cp, Known: slices.Values([]store.UID{1, 2, 3})}, func(cs store.ChangeSet) error {
			changed += len(cs.Changed)
			vanished += len(cs.Vanished)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return changed, vanished
	}
	age()
	if c, v := changes(); c != 0 || v != 0 {
		t.Fatalf("unchanged folder reports %d changed, %d vanished", c, v)
	}
	age()
	if c, v := changes(); c != 0 || v != 0 { // the shortcut's answer
		t.Fatalf("unchanged folder (directory times) reports %d changed, %d vanished", c, v)
	}
	f, e := ts.fileOf(t, "INBOX", 2)
	if _, err := f.SetFlags(ctx, e, maildir.ParseFlags("F")); err != nil {
		t.Fatal(err)
	}
	if c, v := changes(); c != 1 || v != 0 {
		t.Fatalf("after a flag change: %d changed, %d vanished; want 1, 0", c, v)
	}
	age()
	f, e = ts.fileOf(t, "INBOX", 3)
	if err := os.Remove(e.Path(f)); err != nil {
		t.Fatal(err)
	}
	if c, v := changes(); c != 0 || v != 1 {
		t.Fatalf("after a removal: %d changed, %d vanished; want 0, 1", c, v)
	}
}
