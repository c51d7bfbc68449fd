package syncer

import (
	"context"
	"testing"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store/memstore"
)

// labelsOf returns the labels of the one message of INBOX in st.
func labelsOf(t *testing.T, st *memstore.Store) string {
	t.Helper()
	for _, mb := range st.Snapshot().Mailboxes {
		if mb.Name == "INBOX" && len(mb.Messages) == 1 {
			return mb.Messages[0].Labels
		}
	}
	t.Fatalf("no single message in INBOX:\n%s", st.Snapshot())
	return ""
}

// TestLabelsMergeBothWays: labels travel with a new message, a label
// change on either side reaches the other (three-way, label by label, so
// changes to different labels on both sides both apply), the agreed set
// is recorded, and a resync has nothing to do.
func TestLabelsMergeBothWays(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	uid := e.seed(e.far, "INBOX", "a", `\Seen`)
	if err := e.far.SetLabelsBehind("INBOX", uid, []string{"Inbox", "work"}); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if got := labelsOf(t, e.near); got != "Inbox work" {
		t.Fatalf("near labels after the copy: %q", got)
	}
	nearUID := e.near.Snapshot().Mailboxes[0].Messages[0].UID
	if err := e.far.SetLabelsBehind("INBOX", uid, []string{"Inbox", "trips"}); err != nil {
		t.Fatal(err)
	}
	if err := e.near.SetLabelsBehind("INBOX", nearUID, []string{"Inbox", "work", "todo"}); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	for _, st := range []*memstore.Store{e.far, e.near} {
		if got := labelsOf(t, st); got != "Inbox todo trips" {
			t.Errorf("labels after both sides changed: %q, want \"Inbox todo trips\"\n%s", got, st.Snapshot())
		}
	}
	if n := total(res, func(m MailboxReport) int { return m.Changed[Far] + m.Changed[Near] }); n != 2 {
		t.Errorf("%d label updates, want 2 (one per side)", n)
	}
	res = e.sync()
	if n := total(res, func(m MailboxReport) int { return m.Changed[Far] + m.Changed[Near] + m.New[Far] + m.New[Near] }); n != 0 {
		t.Errorf("resync did %d things, want none", n)
	}
	pairs := loadAllPairs(t, e)
	if len(pairs) != 1 || labelFlags(pairs[0].Labels).String() != "Inbox todo trips" {
		t.Errorf("recorded pairs %+v", pairs)
	}
}

// TestLabelsKeptInStateOnly: a near side without labels (labels = "none")
// never gets label updates; the state database follows the far side's
// labels.
func TestLabelsKeptInStateOnly(t *testing.T) {
	nearFeat := memstore.AllFeatures()
	nearFeat.GmailLabels = false
	e := newEnv(t, memstore.AllFeatures(), nearFeat)
	uid := e.seed(e.far, "INBOX", "a", ``)
	if err := e.far.SetLabelsBehind("INBOX", uid, []string{"Inbox"}); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if err := e.far.SetLabelsBehind("INBOX", uid, []string{"Inbox", "work"}); err != nil {
		t.Fatal(err)
	}
	e.sync()
	pairs := loadAllPairs(t, e)
	if len(pairs) != 1 || labelFlags(pairs[0].Labels).String() != "Inbox work" {
		t.Errorf("recorded pairs %+v, want labels \"Inbox work\"", pairs)
	}
	if got := labelsOf(t, e.near); got != "" {
		t.Errorf("near got labels %q", got)
	}
}

// loadAllPairs returns every recorded pair of the account.
func loadAllPairs(t *testing.T, e *env) []Pair {
	t.Helper()
	var out []Pair
	err := e.db.View(context.Background(), func(tx *statedb.Tx) error {
		rows, err := tx.Mailboxes()
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := tx.IteratePairs(row.ID, func(p statedb.Pair) error {
				out = append(out, fromDB(p))
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLabelsCrashed: a label change on both sides, crashed before each
// durable step (a store write or a state transaction) and resumed, ends
// with the same labels on both sides and in the state, one message per
// side, and a resync with nothing to do.
func TestLabelsCrashed(t *testing.T) {
	for k := 1; k < 100; k++ {
		e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
		uid := e.seed(e.far, "INBOX", "a", `\Seen`)
		if err := e.far.SetLabelsBehind("INBOX", uid, []string{"Inbox", "work"}); err != nil {
			t.Fatal(err)
		}
		e.sync()
		nearUID := e.near.Snapshot().Mailboxes[0].Messages[0].UID
		if err := e.far.SetLabelsBehind("INBOX", uid, []string{"Inbox", "trips"}); err != nil {
			t.Fatal(err)
		}
		if err := e.near.SetLabelsBehind("INBOX", nearUID, []string{"Inbox", "work", "todo"}); err != nil {
			t.Fatal(err)
		}
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
			t.Logf("crashed and resumed at each of %d durable steps", k-1)
			return
		}
		e.far.Crash()
		e.near.Crash()
		e.sync()
		for _, st := range []*memstore.Store{e.far, e.near} {
			if got := labelsOf(t, st); got != "Inbox todo trips" {
				t.Fatalf("crash before step %d: labels %q\n%s", k, got, st.Snapshot())
			}
		}
		if pairs := loadAllPairs(t, e); len(pairs) != 1 || labelFlags(pairs[0].Labels).String() != "Inbox todo trips" {
			t.Fatalf("crash before step %d: pairs %+v", k, pairs)
		}
		e.far.ResetCounts()
		e.near.ResetCounts()
		e.sync()
		assertIdle(t, e)
	}
	t.Fatal("more than 100 durable steps")
}
