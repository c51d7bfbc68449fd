package syncer

import (
	"context"
	"fmt"
	"testing"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/store/memstore"
)

// TestChangesAppliedInBatches: flag changes of 200 messages and 20
// expunges on the far side reach a Maildir in a number of state
// transactions that does not grow with the changes (lookups, renames,
// removals and their records batched; no transaction per message). And
// the run right after the first sync reads no index row (the store's own
// deliveries left the folder's recorded snapshot in step), nor does the
// run after the engine's own expunges read the index or the pairs in full.
func TestChangesAppliedInBatches(t *testing.T) {
	ctx := context.Background()
	db := statedbtest.Open(t)
	near, err := maildirstore.New(maildirstore.Options{Root: t.TempDir(), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	far := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	e := &env{t: t, far: far, db: db, opts: DefaultOptions()}
	sync := func() Result {
		t.Helper()
		eng, err := New(far, near, db, e.opts)
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.SyncAccount(ctx)
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		return res
	}
	const n = 400
	for i := range n {
		e.seed(far, "INBOX", fmt.Sprintf("m%d", i), "")
	}
	sync()
	before := db.Stats()
	sync() // no change, right after the first sync
	if d := db.Stats().Sub(before); d.NearRowsRead != 0 {
		t.Errorf("no-change run right after the first sync read %d index rows of a folder of %d (%+v)", d.NearRowsRead, n, d)
	}

	for i := range 200 {
		e.flags(far, "INBOX", fmt.Sprintf("m%d", i), `\Seen`, "")
	}
	for i := 300; i < 320; i++ {
		e.expunge(far, "INBOX", fmt.Sprintf("m%d", i))
	}
	before = db.Stats()
	res := sync()
	d := db.Stats().Sub(before)
	var changed, deleted int
	for _, m := range res.Mailboxes {
		changed += m.Changed[Near]
		deleted += m.Deleted[Near]
	}
	if changed != 200 || deleted != 20 {
		t.Fatalf("run changed %d and deleted %d near, want 200 and 20", changed, deleted)
	}
	t.Logf("run applying 200 flag changes and 20 expunges: %+v", d)
	if d.Updates+d.Views > 30 {
		t.Errorf("run applying 220 changes took %d write and %d read transactions: per message, not per batch", d.Updates, d.Views)
	}
	if d.NearRowsRead > 2*220+50 {
		t.Errorf("run applying 220 changes read %d index rows of a folder of %d", d.NearRowsRead, n)
	}

	// The next run: the only removals since its checkpoint are the
	// engine's own expunges, which the store recorded; neither the
	// folder's index nor the pairs are read in full.
	before = db.Stats()
	sync()
	d = db.Stats().Sub(before)
	t.Logf("no-change run after them: %+v", d)
	if d.NearRowsRead > 20 || d.PairRowsRead > 2*20+10 {
		t.Errorf("no-change run after the engine's 20 expunges read %d index rows and %d pairs of a folder of %d",
			d.NearRowsRead, d.PairRowsRead, n-20)
	}
	statedbtest.Check(t, db)
}
