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

// TestMoveByStableID: the far store reports no moves (IMAP), but its
// stable ids show that a message vanished from INBOX is the one that
// appeared in Archive: the near copy is moved, nothing is downloaded.
// A message only deleted is still deleted, and an emptied INBOX is still
// held back by the deletion guard.
func TestMoveByStableID(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.far = memstore.New(memstore.Options{Features: memstore.AllFeatures()}) // no ReportMoves
	uids := e.seedMany(e.far, "INBOX", 80)
	e.seed(e.far, "Archive", "x", "")
	e.sync()
	e.move(e.far, "INBOX", "INBOX-1", "Archive")
	e.move(e.far, "INBOX", "INBOX-2", "Archive")
	e.expunge(e.far, "INBOX", "INBOX-3")
	e.far.ResetCounts()
	e.near.ResetCounts()
	res := e.sync()
	e.converged()
	if got := total(res, func(m MailboxReport) int { return m.Moved[Near] }); got != 2 {
		t.Errorf("moved on near: %d, want 2", got)
	}
	if got := total(res, func(m MailboxReport) int { return m.Deleted[Near] }); got != 1 {
		t.Errorf("deleted on near: %d, want 1", got)
	}
	if n := e.far.OpCount(memstore.OpFetchBody); n != 0 {
		t.Errorf("%d bodies fetched", n)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)

	// The server's INBOX emptied: held, as without stable ids.
	if err := e.far.ExpungeBehind("INBOX", uids[4:]...); err != nil {
		t.Fatal(err)
	}
	res = e.sync()
	held := 0
	for _, m := range res.Mailboxes {
		if m.Held != nil {
			held += m.Held.Count[Near]
		}
	}
	if held != 76 || e.count(e.near, "INBOX") != 77 {
		t.Fatalf("held %d, near INBOX %d: want 76 held and 77 kept", held, e.count(e.near, "INBOX"))
	}
}
