package syncer

import (
	"context"
	"fmt"
	"strings"
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

// identityMoveEnv returns an env whose near store reports no moves (a
// Maildir whose reader renamed the moved file): after the base sync, b
// (keyword work) is moved from INBOX to Archive on the near side only.
func identityMoveEnv(t *testing.T) *env {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.near = memstore.New(memstore.Options{Features: memstore.AllFeatures(), FirstUIDValidity: 1000})
	e.base()
	e.sync()
	e.move(e.near, "INBOX", "b", "Archive")
	return e
}

// TestMoveByIdentity (issue 18): the near store reports no move, only a
// message gone from INBOX and one new in Archive with the same identity.
// The far copy is moved (one MOVE, no upload, no expunge); its keyword
// stays.
func TestMoveByIdentity(t *testing.T) {
	e := identityMoveEnv(t)
	e.far.ResetCounts()
	res := e.sync()
	e.converged()
	if got := total(res, func(m MailboxReport) int { return m.Moved[Far] }); got != 1 {
		t.Errorf("moved on far: %d, want 1", got)
	}
	if n := e.far.OpCount(memstore.OpMove); n != 1 {
		t.Errorf("far MOVE operations: %d, want 1", n)
	}
	if n := e.far.OpCount(memstore.OpAppend) + e.far.OpCount(memstore.OpExpunge); n != 0 {
		t.Errorf("the move appended or expunged on far (%d ops)", n)
	}
	if !strings.Contains(e.far.Snapshot().Content(), "work") {
		t.Errorf("the keyword work is gone from far:\n%s", e.far.Snapshot().Content())
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
}

// TestMoveByIdentityCrashed: the same move, crashed before each durable
// step and resumed: the stores converge with b once on each side (no
// duplicate, no loss), and the run after is idle.
func TestMoveByIdentityCrashed(t *testing.T) {
	for k := 1; ; k++ {
		e := identityMoveEnv(t)
		c := &crasher{k: k}
		hook := func(op, mailbox string) error {
			if mutatingOps[op] {
				return c.step()
			}
			return nil
		}
		e.far.SetOnOp(hook)
		e.near.SetOnOp(hook)
		opts := e.opts
		opts.Connections = 1
		eng := e.engine(opts)
		eng.beforeCommit = c.step
		_, _ = eng.SyncAccount(context.Background())
		e.far.SetOnOp(nil)
		e.near.SetOnOp(nil)
		if !c.fired {
			return
		}
		e.far.Crash()
		e.near.Crash()
		e.sync()
		e.converged()
		if in, ar := e.count(e.far, "INBOX"), e.count(e.far, "Archive"); in != 3 || ar != 2 {
			t.Fatalf("crash before step %d: far INBOX holds %d, Archive %d messages; want 3 and 2 (b once):\n%s",
				k, in, ar, e.far.Snapshot().Content())
		}
		if !strings.Contains(e.far.Snapshot().Content(), "work") {
			t.Fatalf("crash before step %d: the keyword work is gone from far", k)
		}
		e.far.ResetCounts()
		e.near.ResetCounts()
		e.sync()
		assertIdle(t, e)
	}
}
