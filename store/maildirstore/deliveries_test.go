package maildirstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// killedFlush appends n messages to INBOX and flushes them as a process
// killed between the batch commit (files renamed into cur/ or new/) and
// the recording of their UIDs leaves them; it returns the UIDs Append
// promised, which a caller may have noted with its copy intents.
func killedFlush(t *testing.T, ts *testStore, n int) []store.UID {
	t.Helper()
	ctx := context.Background()
	sm, err := ts.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	mb := sm.(*Mailbox)
	var uids []store.UID
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf("Message-ID: <d%d@test>\r\n\r\nbody %d\r\n", i, i)
		uid, err := mb.Append(ctx, store.NewMessage{Body: strings.NewReader(body), Size: int64(len(body))})
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, uid)
	}
	mb.lock.Lock()
	defer mb.lock.Unlock()
	if err := mb.noteDeliveries(ctx, mb.pending); err != nil {
		t.Fatal(err)
	}
	if err := mb.batch.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	mb.pending, mb.closed = nil, true // the process is gone
	return uids
}

// A message delivered by a run killed before it recorded the UID, then
// deleted by the user before the next scan, is reported as a UID made
// durable and gone (below UIDNEXT, not listed), never as a UID not yet
// used: the engine, which noted that UID with its copy intent, then
// carries the deletion over instead of copying the message again. The
// delivered files still there are listed, each once.
func TestKilledFlushThenDeleted(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	uids := killedFlush(t, ts, 3)
	f, err := maildir.LayoutFS.Open(ts.root, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := f.Scan(context.Background(), maildir.ScanOptions{})
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d files delivered (%v), want 3", len(entries), err)
	}
	var gone maildir.Entry
	for _, e := range entries {
		b, err := os.ReadFile(e.Path(f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "<d2@test>") {
			gone = e
		}
	}
	if err := os.Remove(gone.Path(f)); err != nil {
		t.Fatal(err)
	}
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	if next := mb.Status().UIDNext; next <= uids[1] {
		t.Fatalf("UIDNEXT %d after the scan: the promised UID %d of the deleted delivery would read as never used", next, uids[1])
	}
	listed := listAll(t, mb, true)
	if len(listed) != 2 {
		t.Fatalf("listed %v, want the 2 delivered files left", listed)
	}
	for uid, m := range listed {
		if m.MessageID == "d2@test" || uid == uids[1] {
			t.Errorf("UID %d (%s) listed: the deleted delivery", uid, m.MessageID)
		}
	}
}

// A killed flush whose files never left tmp/ delivered nothing: no UID is
// taken out of use.
func TestKilledFlushBeforeCommit(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	ctx := context.Background()
	sm, err := ts.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	mb := sm.(*Mailbox)
	body := "Message-ID: <t1@test>\r\n\r\nbody\r\n"
	uid, err := mb.Append(ctx, store.NewMessage{Body: strings.NewReader(body), Size: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	if err := mb.noteDeliveries(ctx, mb.pending); err != nil {
		t.Fatal(err)
	}
	mb.pending, mb.closed = nil, true // killed before the commit
	if tmp, _ := os.ReadDir(filepath.Join(ts.root, "INBOX", "tmp")); len(tmp) != 1 {
		t.Fatalf("tmp/ holds %d files, want the staged one", len(tmp))
	}
	again := open(t, ts, "INBOX")
	defer again.Close()
	if next := again.Status().UIDNext; next != uid {
		t.Fatalf("UIDNEXT %d, want %d: nothing was delivered", next, uid)
	}
}
