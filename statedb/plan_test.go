package statedb

import (
	"strings"
	"sync"
	"testing"
)

// TestStatementsUseIndexes runs every Tx method once, collecting the
// statements they prepare, and fails if one scans or sorts the tables that
// grow with mailbox size (pairs, near_messages): a scan in a per-message
// or per-page query makes a sync quadratic. (CheckConsistency scans by
// design and is not run here.)
func TestStatementsUseIndexes(t *testing.T) {
	db := openTest(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	db.onPrepare = func(q string) { mu.Lock(); seen[q] = true; mu.Unlock() }
	exerciseAll(t, db)
	db.onPrepare = nil
	if len(seen) < 30 {
		t.Errorf("only %d statements prepared: is exerciseAll complete?", len(seen))
	}
	for q := range seen {
		plan := queryPlan(t, db, q)
		for _, table := range []string{"pairs", "near_messages"} {
			if strings.Contains(plan, "SCAN "+table) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("statement scans or sorts %s:\n%s\nplan: %s", table, q, plan)
			}
		}
	}
}

// queryPlan returns SQLite's plan for q, one step per "; ".
func queryPlan(t *testing.T, db *DB, q string) string {
	t.Helper()
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = 1
	}
	rows, err := db.writer.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; ")
}

// exerciseAll calls every Tx method at least once, leaving a consistent
// state (openTest's cleanup checks it).
func exerciseAll(t *testing.T, db *DB) {
	t.Helper()
	update(t, db, func(tx *Tx) error {
		m, err := tx.EnsureMailbox("INBOX", "INBOX")
		if err != nil {
			return err
		}
		other := addMailbox(t, tx, "Other", "Other")
		_, _, _ = tx.MailboxByFarName("INBOX")
		_, _ = tx.Mailboxes()
		_ = tx.RenameMailbox(other, "Other2", "Other2")
		pid, err := tx.PutPair(Pair{Mailbox: m.ID, FarUID: 1, NearUID: 1, MessageID: "a", EmailID: "e", HeaderHash: []byte{1}})
		if err != nil {
			return err
		}
		_, _ = tx.PutPair(Pair{ID: pid, Mailbox: m.ID, FarUID: 1, NearUID: 1})
		_, _, _ = tx.Pair(pid)
		_, _, _ = tx.PairByFarUID(m.ID, 1)
		_, _, _ = tx.PairByNearUID(m.ID, 1)
		_, _ = tx.PairsByEmailID(0, "e")
		_, _ = tx.CountPairs(m.ID)
		noop := func(Pair) error { return nil }
		_ = tx.IteratePairs(m.ID, noop)
		in, err := tx.AddIntent(Intent{Mailbox: m.ID, Kind: IntentCopyToFar, Source: Near, SourceUID: 2})
		if err != nil {
			return err
		}
		_, _, _ = tx.Intent(in)
		_ = tx.SetIntentTarget(in, 7)
		_, _ = tx.PendingIntents(m.ID)
		if _, err := tx.ResolveIntent(in, Pair{Mailbox: m.ID, FarUID: 2, NearUID: 2}); err != nil {
			return err
		}
		in, _ = tx.AddIntent(Intent{Mailbox: m.ID, Kind: IntentExpunge, Source: Far, SourceUID: 1})
		if err := tx.DropIntent(in); err != nil {
			return err
		}
		if err := tx.DeletePair(pid); err != nil {
			return err
		}
		_ = tx.DeleteMailbox(other)
		nm, err := tx.AddNearMailbox("INBOX", 1)
		if err != nil {
			return err
		}
		nm2, _ := tx.AddNearMailbox("Other", 1)
		_, _, _ = tx.NearMailboxByName("INBOX")
		_, _ = tx.NearMailboxes()
		_ = tx.UpdateNearMailbox(nm)
		uid, err := tx.AssignNearUID(nearMsg(nm.ID, "u1"))
		if err != nil {
			return err
		}
		msg, _, _ := tx.NearMessageByUID(nm.ID, uid)
		_ = tx.UpdateNearMessage(msg)
		_, _, _ = tx.NearMessageByUniqueName("u1")
		_, _ = tx.NearMessagesByUID(nm.ID, []uint32{uid, uid + 1})
		_ = tx.IterateNearMessages(nm.ID, 0, func(NearMessage) error { return nil })
		_ = tx.IterateNearChanged(nm.ID, 0, 1, 2, func(NearMessage) error { return nil })
		_, _ = tx.NearUIDs(nm.ID)
		_, _ = tx.NearMTimes(nm.ID)
		_, _ = tx.CountNearMessages(nm.ID)
		msg.Mailbox = nm2.ID
		uid, _ = tx.MoveNearMessage(nm.ID, uid, msg)
		_ = tx.DeleteNearMessage(nm2.ID, uid)
		_ = tx.DeleteNearMailbox(nm2.ID)
		_ = tx.SetMeta("k", "v")
		_, _, _ = tx.Meta("k")
		return tx.DeleteMeta("k")
	})
}
