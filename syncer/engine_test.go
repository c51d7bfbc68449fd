package syncer

import (
	"context"
	"fmt"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

func TestFirstSyncAndResync(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seed(e.far, "INBOX", "a", `\Seen`)
	e.seed(e.far, "INBOX", "b", ``)
	e.seed(e.far, "Archive/2024", "c", `\Flagged work`)
	e.seed(e.near, "INBOX", "d", `\Answered`)
	e.seed(e.near, "Local", "e", ``)
	res := e.sync()
	e.converged()
	if got := total(res, func(m MailboxReport) int { return m.New[Near] }); got != 3 {
		t.Errorf("copied to near: %d, want 3", got)
	}
	if got := total(res, func(m MailboxReport) int { return m.New[Far] }); got != 2 {
		t.Errorf("copied to far: %d, want 2", got)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	res = e.sync()
	for _, st := range []*memstore.Store{e.far, e.near} {
		for _, op := range []string{memstore.OpFetchBody, memstore.OpAppend, memstore.OpFlags, memstore.OpExpunge, memstore.OpList} {
			if n := st.OpCount(op); n != 0 {
				t.Errorf("second run: %d %s operations, want 0", n, op)
			}
		}
	}
	e.converged()

	// Changes on both sides converge.
	if err := e.far.ChangeFlagsBehind("INBOX", 1, store.NewFlags(store.Flagged), nil); err != nil {
		t.Fatal(err)
	}
	if err := e.near.ExpungeBehind("INBOX", 1); err != nil { // d
		t.Fatal(err)
	}
	e.sync()
	e.converged()
}

// TestFirstSyncOverExistingMaildir: both sides already hold the same mail
// (a Maildir another tool wrote); the first sync pairs it all, copies
// nothing, and merges the flags.
func TestFirstSyncOverExistingMaildir(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("m%d", i)
		e.seed(e.far, "INBOX", id, `\Seen`)
		e.seed(e.near, "INBOX", id, ``)
	}
	if _, err := e.far.Seed("INBOX", []byte("Subject: no id\r\n\r\nx\r\n"), nil, epoch); err != nil {
		t.Fatal(err)
	}
	if _, err := e.near.Seed("INBOX", []byte("Subject: no id\r\n\r\nx\r\n"), store.NewFlags(store.Flagged), epoch); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	if n := total(res, func(m MailboxReport) int { return m.New[Far] + m.New[Near] }); n != 0 {
		t.Fatalf("first sync copied %d messages, want 0", n)
	}
	e.converged()
	if e.count(e.near, "INBOX") != 51 {
		t.Fatalf("near INBOX holds %d", e.count(e.near, "INBOX"))
	}
}

// TestPullOnly: with nothing pushed, the near side's new messages and
// deletions stay local, a deleted message is not downloaded again, and
// the server's changes still arrive.
func TestPullOnly(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	e.opts.Sync = Direction{Pull: SyncAll}
	e.seed(e.near, "INBOX", "local", ``)
	e.expunge(e.near, "INBOX", "a")
	e.flags(e.near, "INBOX", "b", `\Seen`, ``)
	e.flags(e.far, "INBOX", "c", `\Flagged`, ``)
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	if n := e.far.OpCount(memstore.OpAppend) + e.far.OpCount(memstore.OpExpunge) + e.far.OpCount(memstore.OpFlags); n != 0 {
		t.Fatalf("pull-only run changed the far side (%d ops)", n)
	}
	if n := e.near.OpCount(memstore.OpAppend); n != 0 {
		t.Fatalf("a locally deleted message was downloaded again (%d appends)", n)
	}
	b, _ := e.near.OpenMailbox(context.Background(), "INBOX")
	defer b.Close()
	ms, _ := b.Find(context.Background(), store.Query{MessageID: "c@test"})
	if len(ms) != 1 || !ms[0].Flags.Has(store.Flagged) {
		t.Fatalf("server flag change not pulled: %+v", ms)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
}
