package e2etest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/syncer"
)

// TestRestoredFolderIsNotUploadedAgain (issue 11, item 7, against Dovecot
// and a Maildir): the files of the local INBOX are replaced by copies of
// themselves under new unique names (a folder emptied and restored from a
// backup by a tool that names files afresh). The next runs re-pair them
// by identity: the server keeps its messages once each, nothing is
// uploaded or deleted.
func TestRestoredFolderIsNotUploadedAgain(t *testing.T) {
	t.Parallel()
	r := syncedInbox(t, "restore")
	server := serverTruth(t, r.srv, r.user.Name)
	for _, sub := range []string{"cur", "new"} {
		dir := filepath.Join(r.root, "INBOX", sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(dir, "restored"+e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Now().Add(-time.Hour) // out of the store's racy window
		if err := os.Chtimes(dir, at, at); err != nil {
			t.Fatal(err)
		}
	}
	r.reopen()
	mb, err := r.near.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var uids []store.UID
	err = mb.List(t.Context(), store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			uids = append(uids, m.UID)
		}
		return nil
	})
	mb.Close()
	if err != nil || len(uids) != guardMessages || uids[0] <= guardMessages {
		t.Fatalf("the Maildir store lists %d messages from UID %v (%v): want %d under new UIDs", len(uids), uids[:min(1, len(uids))], err, guardMessages)
	}
	for run := 1; run <= 2; run++ {
		res, _ := r.sync()
		if inbox := report(t, res, "INBOX"); inbox.Err != nil || inbox.New != [2]int{} || inbox.Deleted != [2]int{} {
			t.Fatalf("run %d after the restore by copy: INBOX report %+v, want no error, nothing copied or deleted", run, inbox)
		}
	}
	if d := diff(server, serverTruth(t, r.srv, r.user.Name), "before", "after", 10); d != "" {
		t.Fatalf("the server changed:\n%s", d)
	}
	requireSame(t, serverTruth(t, r.srv, r.user.Name), maildirTruth(t, r.root), "server", "Maildir")
}

// TestRestoredByCopyIsNotUploadedAgain (issue 11, item 7, the way users
// do it): the local INBOX is emptied (its files moved away), a sync runs
// (the guard holds the deletions back), then the files are copied back
// with cp, which keeps their names and bytes but gives them new mtimes.
// The next runs re-pair them: nothing uploaded, nothing deleted.
func TestRestoredByCopyIsNotUploadedAgain(t *testing.T) {
	t.Parallel()
	r := syncedInbox(t, "restorecp")
	server := serverTruth(t, r.srv, r.user.Name)
	backup := t.TempDir()
	for _, sub := range []string{"cur", "new"} {
		dir := filepath.Join(r.root, "INBOX", sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(backup, sub+"_"+e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Now().Add(-time.Hour) // out of the store's racy window
		if err := os.Chtimes(dir, at, at); err != nil {
			t.Fatal(err)
		}
	}
	r.reopen()
	// The emptied folder: the guard holds the deletions back.
	if res, _ := r.syncWith(syncer.DefaultOptions()); report(t, res, "INBOX").Err == nil {
		t.Fatal("the emptied INBOX was not refused")
	}
	entries, err := os.ReadDir(backup)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(-30 * time.Minute)
	for _, e := range entries {
		sub, name, _ := strings.Cut(e.Name(), "_")
		b, err := os.ReadFile(filepath.Join(backup, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(r.root, "INBOX", sub, name)
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dst, later, later); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"cur", "new"} {
		at := time.Now().Add(-20 * time.Minute)
		if err := os.Chtimes(filepath.Join(r.root, "INBOX", sub), at, at); err != nil {
			t.Fatal(err)
		}
	}
	r.reopen()
	for run := 1; run <= 2; run++ {
		res, _ := r.sync()
		if inbox := report(t, res, "INBOX"); inbox.Err != nil || inbox.New != [2]int{} || inbox.Deleted != [2]int{} {
			t.Fatalf("run %d after the restore by copy: INBOX report %+v, want no error, nothing copied or deleted", run, inbox)
		}
	}
	if d := diff(server, serverTruth(t, r.srv, r.user.Name), "before", "after", 10); d != "" {
		t.Fatalf("the server changed:\n%s", d)
	}
	requireSame(t, serverTruth(t, r.srv, r.user.Name), maildirTruth(t, r.root), "server", "Maildir")
}
