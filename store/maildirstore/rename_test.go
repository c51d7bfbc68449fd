package maildirstore

import (
	"context"
	"os"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// TestFolderRenamedBehindStore (issue 18): a folder renamed by the user
// (its directory moved, maildir++ and fs layouts) keeps its UIDVALIDITY
// and UIDs under the new name, so the engine can tell a rename from a
// deletion plus a new folder. A folder holding only part of the files
// (weak evidence) is not taken for the renamed one.
func TestFolderRenamedBehindStore(t *testing.T) {
	for _, layout := range []maildir.Layout{maildir.LayoutFS, maildir.LayoutMaildirPP} {
		t.Run(layout.String(), func(t *testing.T) {
			ts := newTestStore(t, layout)
			ctx := context.Background()
			for _, name := range []string{"Work", "Other"} {
				if err := ts.CreateMailbox(ctx, name, ""); err != nil {
					t.Fatal(err)
				}
			}
			work, _ := openWith(t, ts, "Work", 10)
			st := work.Status()
			uids := listAll(t, work, false)
			work.Close()
			other, _ := openWith(t, ts, "Other", 10)
			other.Close()
			move := func(from, to string) {
				t.Helper()
				a, err := layout.Path(ts.root, from)
				if err != nil {
					t.Fatal(err)
				}
				b, err := layout.Path(ts.root, to)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(a, b); err != nil {
					t.Fatal(err)
				}
			}
			move("Work", "Job")
			// Other loses most of its files to a new folder: no rename.
			if _, err := layout.Create(ts.root, "Half"); err != nil {
				t.Fatal(err)
			}
			half, err := layout.Open(ts.root, "Half")
			if err != nil {
				t.Fatal(err)
			}
			f, err := layout.Open(ts.root, "Other")
			if err != nil {
				t.Fatal(err)
			}
			es, err := f.Scan(ctx, maildir.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es[:5] {
				if _, err := f.MoveTo(ctx, e, half); err != nil {
					t.Fatal(err)
				}
			}
			move("Other", "Other2")

			if _, err := ts.ListMailboxes(ctx); err != nil {
				t.Fatal(err)
			}
			job := open(t, ts, "Job")
			defer job.Close()
			if got := job.Status(); got.UIDValidity != st.UIDValidity || got.UIDNext != st.UIDNext {
				t.Errorf("renamed folder: UIDVALIDITY %d UIDNEXT %d, want %d and %d kept", got.UIDValidity, got.UIDNext, st.UIDValidity, st.UIDNext)
			}
			if got := listAll(t, job, false); len(got) != len(uids) {
				t.Errorf("renamed folder lists %d messages, want %d", len(got), len(uids))
			} else {
				for u := range uids {
					if _, ok := got[u]; !ok {
						t.Errorf("UID %d lost in the rename", u)
					}
				}
			}
			for _, name := range []string{"Half", "Other2"} {
				mb := open(t, ts, name)
				if v := mb.Status().UIDValidity; v == st.UIDValidity {
					t.Errorf("%s took the renamed folder's UIDVALIDITY", name)
				}
				if first := minUID(listAll(t, mb, false)); first != 1 {
					t.Errorf("%s: first UID %d; a split folder must be new (UIDs from 1)", name, first)
				}
				mb.Close()
			}
		})
	}
}

func minUID(ms map[store.UID]store.Message) store.UID {
	var m store.UID
	for u := range ms {
		if m == 0 || u < m {
			m = u
		}
	}
	return m
}
