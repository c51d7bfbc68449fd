package maildirstore

import (
	"context"
	"os"
	"syscall"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// TestAppendLink: a message added to a second folder by AppendLink is
// the same file (one inode), with its own flags and UID in that folder,
// and listed there with the source's size; removing it from one folder
// leaves the other's.
func TestAppendLink(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	ctx := context.Background()
	if err := ts.CreateMailbox(ctx, "Work", ""); err != nil {
		t.Fatal(err)
	}
	inbox, _ := openWith(t, ts, "INBOX", 1)
	defer inbox.Close()
	work := open(t, ts, "Work")
	defer work.Close()
	uid, err := work.(store.Linker).AppendLink(ctx, "INBOX", 1, store.NewMessage{Flags: store.NewFlags(store.Flagged)})
	if err != nil {
		t.Fatal(err)
	}
	if err := work.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	f1, e1 := ts.fileOf(t, "INBOX", 1)
	f2, e2 := ts.fileOf(t, "Work", uid)
	s1, err1 := os.Stat(e1.Path(f1))
	s2, err2 := os.Stat(e2.Path(f2))
	if err1 != nil || err2 != nil || s1.Sys().(*syscall.Stat_t).Ino != s2.Sys().(*syscall.Stat_t).Ino {
		t.Fatalf("not one file: %v %v", err1, err2)
	}
	if e1.Name.Unique == e2.Name.Unique || !e2.Flags().Has(maildir.FlagFlagged) || e1.Flags().Has(maildir.FlagFlagged) {
		t.Errorf("names %q and %q: want distinct unique names, F only in Work", e1.File, e2.File)
	}
	in, wk := listAll(t, inbox, true), listAll(t, work, true)
	if len(wk) != 1 || wk[uid].Size != in[1].Size || wk[uid].MessageID != "m1@test" {
		t.Errorf("Work lists %+v (INBOX %+v)", wk, in)
	}
	if err := work.Expunge(ctx, []store.UID{uid}); err != nil {
		t.Fatal(err)
	}
	if len(listAll(t, inbox, false)) != 1 {
		t.Error("expunging the link removed the INBOX message")
	}
}
