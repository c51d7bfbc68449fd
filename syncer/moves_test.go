package syncer

import (
	"fmt"
	"testing"

	"github.com/imapdir/imapdir/store/memstore"
)

// TestBulkMoveIsOneMove: a mail reader archives 120 messages; the server
// gets one MOVE of all of them, no download, no deletion held back.
func TestBulkMoveIsOneMove(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seedMany(e.far, "INBOX", 120)
	e.seed(e.far, "Archive", "x", "")
	e.sync()
	for i := 0; i < 120; i++ {
		e.move(e.near, "INBOX", fmt.Sprintf("INBOX-%d", i), "Archive")
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	res := e.sync()
	e.converged()
	if got := total(res, func(m MailboxReport) int { return m.Moved[Far] }); got != 120 {
		t.Errorf("moved on far: %d, want 120", got)
	}
	if n := e.far.OpCount(memstore.OpMove); n != 1 {
		t.Errorf("far MOVE operations: %d, want 1", n)
	}
	if n := e.far.OpCount(memstore.OpFetchBody) + e.near.OpCount(memstore.OpFetchBody) + e.far.OpCount(memstore.OpExpunge); n != 0 {
		t.Errorf("a move fetched or expunged (%d ops)", n)
	}
	for _, m := range res.Mailboxes {
		if m.Held != nil {
			t.Errorf("%s: deletions held: %s", m.Mailbox, m.Held.Reason)
		}
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
}

// TestMoveFlagsFollow: a message moved on one side and flagged there is
// moved on the other side with the new flags.
func TestMoveFlagsFollow(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	e.move(e.far, "INBOX", "c", "Archive")
	e.flags(e.far, "Archive", "c", `\Flagged`, ``)
	res := e.sync()
	e.converged()
	if got := total(res, func(m MailboxReport) int { return m.Moved[Near] }); got != 1 {
		t.Errorf("moved on near: %d, want 1", got)
	}
}
