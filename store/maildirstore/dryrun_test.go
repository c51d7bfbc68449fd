package maildirstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// treeDigest hashes every name, size and content under root, but the
// state database's files.
func treeDigest(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || strings.HasPrefix(d.Name(), ".imapdir.") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			fmt.Fprintf(&b, "%s/\n", rel)
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %x\n", rel, sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// dryStore opens a DryRun store over ts's Maildir and database.
func dryStore(t *testing.T, ts *testStore) *Store {
	t.Helper()
	s, err := New(Options{Root: ts.root, Layout: maildir.LayoutFS, DB: ts.db, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// messagesOf lists name in s twice (two scans) and returns the UIDs of
// each listing.
func messagesOf(t *testing.T, s store.Store, name string) [2][]store.UID {
	t.Helper()
	var out [2][]store.UID
	for i := range out {
		mb, err := s.OpenMailbox(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		err = mb.List(context.Background(), store.ListOptions{}, func(ms []store.Message) error {
			for _, m := range ms {
				out[i] = append(out[i], m.UID)
			}
			return nil
		})
		mb.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDryRunScanLeavesTreeAlone: a DryRun store's scans change nothing
// in the Maildir (a copied file keeps its name, a file whose message was
// expunged while it was away stays) yet list what a real scan would, the
// same in every scan.
func TestDryRunScanLeavesTreeAlone(t *testing.T) {
	ctx := context.Background()
	t.Run("copied file", func(t *testing.T) {
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
		before := treeDigest(t, ts.root)
		dry := dryStore(t, ts)
		got := messagesOf(t, dry, "Archive")
		if len(got[0]) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
			t.Errorf("Archive lists %v then %v, want one message, the same in both", got[0], got[1])
		}
		arch, err := dry.OpenMailbox(ctx, "Archive")
		if err != nil {
			t.Fatal(err)
		}
		var body []byte
		err = arch.FetchBodies(ctx, got[1], func(_ store.Message, r io.Reader) error {
			body, err = io.ReadAll(r)
			return err
		})
		arch.Close()
		if err != nil || !bytes.Contains(body, []byte("body 1")) {
			t.Errorf("reading the copy: %q, %v; want its file's text", body, err)
		}
		if in := messagesOf(t, dry, "INBOX"); len(in[0]) != 1 || len(in[1]) != 1 {
			t.Errorf("INBOX lists %v then %v, want one message", in[0], in[1])
		}
		if after := treeDigest(t, ts.root); after != before {
			t.Errorf("the dry scan changed the tree:\n%s\nwant\n%s", after, before)
		}
	})
	t.Run("expunged while away", func(t *testing.T) {
		ts := newTestStore(t, maildir.LayoutFS)
		mb, _ := openWith(t, ts, "INBOX", 2)
		mb.Close()
		mb = open(t, ts, "INBOX")
		f, e := ts.fileOf(t, "INBOX", 1)
		away := filepath.Join(t.TempDir(), e.File)
		if err := os.Rename(e.Path(f), away); err != nil {
			t.Fatal(err)
		}
		if err := mb.Expunge(ctx, []store.UID{1}); err != nil {
			t.Fatal(err)
		}
		mb.Close()
		if err := os.Rename(away, e.Path(f)); err != nil {
			t.Fatal(err)
		}
		before := treeDigest(t, ts.root)
		got := messagesOf(t, dryStore(t, ts), "INBOX")
		if fmt.Sprint(got[0]) != "[2]" || fmt.Sprint(got[1]) != "[2]" {
			t.Errorf("INBOX lists %v then %v, want [2] (the deletion completed)", got[0], got[1])
		}
		if after := treeDigest(t, ts.root); after != before {
			t.Errorf("the dry scan changed the tree:\n%s\nwant\n%s", after, before)
		}
	})
	t.Run("renamed folder", func(t *testing.T) {
		ts := newTestStore(t, maildir.LayoutFS)
		for _, name := range []string{"Work", "Work/Sub"} {
			if err := ts.CreateMailbox(ctx, name, ""); err != nil {
				t.Fatal(err)
			}
		}
		mb, _ := openWith(t, ts, "Work", 1)
		mb.Close()
		mb, _ = openWith(t, ts, "Work/Sub", 1)
		mb.Close()
		if err := os.Rename(filepath.Join(ts.root, "Work"), filepath.Join(ts.root, "Job")); err != nil {
			t.Fatal(err)
		}
		before := treeDigest(t, ts.root)
		dry := dryStore(t, ts)
		if _, err := dry.ListMailboxes(ctx); err != nil {
			t.Fatal(err)
		}
		if got := messagesOf(t, dry, "Job/Sub"); len(got[0]) != 1 || len(got[1]) != 1 {
			t.Errorf("Job/Sub lists %v then %v, want one message", got[0], got[1])
		}
		if after := treeDigest(t, ts.root); after != before {
			t.Errorf("the dry scan changed the tree:\n%s\nwant\n%s", after, before)
		}
	})
	t.Run("no Maildir yet", func(t *testing.T) {
		ts := newTestStore(t, maildir.LayoutFS)
		root := filepath.Join(ts.root, "none")
		s, err := New(Options{Root: root, DB: ts.db, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ListMailboxes(ctx); err != nil {
			t.Errorf("listing a missing root: %v", err)
		}
		if _, err := os.Lstat(root); err == nil {
			t.Errorf("the dry store created its root")
		}
	})
}
