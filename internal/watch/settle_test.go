package watch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
)

// TestSettled: right after a sync the Maildir matches the store's index
// (so the sync's own inotify events cause nothing); a reader's rename,
// deletion or new folder does not match.
func TestSettled(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	r.srv.SaveMessages(t, r.user.Name, "INBOX", message("one"), message("two"))
	ctx := context.Background()
	b := testBackend{r}
	db, release, err := b.OpenState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	eng, err := b.OpenEngine(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.SyncAccount(ctx); err != nil {
		t.Fatal(err)
	}
	match := func(string) bool { return true }
	if !settled(ctx, db, r.root, maildir.LayoutFS, "INBOX") || !foldersSettled(ctx, db, r.root, maildir.LayoutFS, match) {
		t.Fatal("not settled right after a sync")
	}
	inbox := filepath.Join(r.root, "INBOX")
	files, _ := filepath.Glob(filepath.Join(inbox, "*", "*"))
	var msgs []string
	for _, f := range files {
		if d := filepath.Base(filepath.Dir(f)); d == "cur" || d == "new" {
			msgs = append(msgs, f)
		}
	}
	if len(msgs) != 2 {
		t.Fatalf("INBOX files: %v", files)
	}
	name := filepath.Base(msgs[0])
	if i := strings.Index(name, ":2,"); i >= 0 {
		name = name[:i]
	}
	if err := os.Rename(msgs[0], filepath.Join(inbox, "cur", name+":2,S")); err != nil {
		t.Fatal(err)
	}
	if settled(ctx, db, r.root, maildir.LayoutFS, "INBOX") {
		t.Error("a renamed file counts as settled")
	}
	if _, err := eng.SyncMailboxes(ctx, []string{"INBOX"}); err != nil {
		t.Fatal(err)
	}
	if !settled(ctx, db, r.root, maildir.LayoutFS, "INBOX") {
		t.Error("not settled after syncing the rename")
	}
	if err := os.Remove(msgs[1]); err != nil {
		t.Fatal(err)
	}
	if settled(ctx, db, r.root, maildir.LayoutFS, "INBOX") {
		t.Error("a deleted file counts as settled")
	}
	if _, err := maildir.LayoutFS.Create(r.root, "Fresh"); err != nil {
		t.Fatal(err)
	}
	if foldersSettled(ctx, db, r.root, maildir.LayoutFS, match) {
		t.Error("a new folder counts as settled")
	}
}
