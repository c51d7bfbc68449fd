package maildirstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// uidRange returns the UIDs from..to.
func uidRange(from, to store.UID) []store.UID {
	var out []store.UID
	for u := from; u <= to; u++ {
		out = append(out, u)
	}
	return out
}

// TestFlagsAndExpungeBatched: a flag change of 200 messages and the
// removal of 50 each cost one state read and one state write (the
// durability point), never one per message.
func TestFlagsAndExpungeBatched(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, _ := openWith(t, ts, "INBOX", 300)
	defer mb.Close()

	before := ts.db.Stats()
	conflicts, err := mb.UpdateFlags(ctx, store.FlagChange{UIDs: uidRange(1, 200), Add: store.NewFlags(store.Seen, store.Flagged)})
	if err != nil || len(conflicts) != 0 {
		t.Fatalf("UpdateFlags: %v, conflicts %v", err, conflicts)
	}
	if d := ts.db.Stats().Sub(before); d.Updates != 1 || d.Views > 1 || d.NearRowsRead != 200 {
		t.Errorf("UpdateFlags of 200 messages: %+v, want 1 write, at most 1 read transaction, 200 rows read", d)
	}

	before = ts.db.Stats()
	if err := mb.Expunge(ctx, uidRange(151, 200)); err != nil {
		t.Fatal(err)
	}
	if d := ts.db.Stats().Sub(before); d.Updates != 1 || d.Views > 1 || d.NearRowsRead != 50 {
		t.Errorf("Expunge of 50 messages: %+v, want 1 write, at most 1 read transaction, 50 rows read", d)
	}

	got := listAll(t, mb, false)
	if len(got) != 250 {
		t.Fatalf("%d messages listed, want 250", len(got))
	}
	for uid, m := range got {
		want := uid <= 150
		if m.Flags.Has(store.Seen) != want || m.Flags.Has(store.Flagged) != want {
			t.Errorf("UID %d flags %v", uid, m.Flags)
		}
		f, e := ts.fileOf(t, "INBOX", uid)
		if e.Flags().Has(maildir.FlagSeen) != want {
			t.Errorf("UID %d file %s", uid, e.Path(f))
		}
	}
}

// TestOwnChangesKeepSnapshot: after the store's own deliveries, renames
// and removals (a first sync, then a resync's changes), the next open of
// the folder finds it unchanged without reading one row of the index.
// A mail reader's rename after that is still seen.
func TestOwnChangesKeepSnapshot(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb := open(t, ts, "INBOX")
	appendN(t, mb, 1, 100) // deliveries, no scan after them
	mb.Close()
	before := ts.db.Stats()
	mb = open(t, ts, "INBOX")
	if d := ts.db.Stats().Sub(before); d.NearRowsRead != 0 {
		t.Errorf("open after the store's own deliveries: %+v, want no row read", d)
	}
	if _, err := mb.UpdateFlags(ctx, store.FlagChange{UIDs: uidRange(1, 40), Add: store.NewFlags(store.Seen)}); err != nil {
		t.Fatal(err)
	}
	if err := mb.Expunge(ctx, uidRange(91, 100)); err != nil {
		t.Fatal(err)
	}
	if err := mb.Close(); err != nil {
		t.Fatal(err)
	}

	before = ts.db.Stats()
	mb = open(t, ts, "INBOX")
	if d := ts.db.Stats().Sub(before); d.NearRowsRead != 0 || d.Updates > 1 {
		t.Errorf("open after the store's own changes: %+v, want no row read and at most one write (the directory times)", d)
	}
	if n := mb.Status().Messages; n != 90 {
		t.Errorf("status: %d messages, want 90", n)
	}
	mb.Close()

	ts.readerSetFlags(t, "INBOX", 50, "FS")
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	got := listAll(t, mb, false)
	if !got[50].Flags.Has(store.Flagged) {
		t.Errorf("the reader's flag on UID 50 was not seen: %v", got[50].Flags)
	}
	if len(got) != 90 {
		t.Errorf("%d messages listed, want 90", len(got))
	}
}

// TestChangesReadsOnlyChangedRows: a listing of what changed since a
// checkpoint reads the index rows of the changed messages only, not the
// whole folder's.
func TestChangesReadsOnlyChangedRows(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 300)
	mb.Close()
	for _, uid := range []store.UID{10, 20, 30} {
		ts.readerSetFlags(t, "INBOX", uid, "S")
	}
	mb = open(t, ts, "INBOX") // the reconcile reads the folder's rows
	defer mb.Close()
	before := ts.db.Stats()
	changed, _, _ := changesSince(t, mb, cp, nil)
	if len(changed) != 3 {
		t.Errorf("changes: %d messages, want 3", len(changed))
	}
	if d := ts.db.Stats().Sub(before); d.NearRowsRead > 3 {
		t.Errorf("Changes read %d index rows for 3 changed messages of 300", d.NearRowsRead)
	}
}

// TestVanishedFromOwnExpunges: when the only removals since a checkpoint
// are the store's own Expunges, Changes reports their UIDs without
// reading the caller's known UIDs; when a mail reader removed a file too,
// it compares them with the index as before.
func TestVanishedFromOwnExpunges(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 50)
	defer mb.Close()
	if err := mb.Expunge(ctx, []store.UID{3, 4}); err != nil {
		t.Fatal(err)
	}
	read := false
	known := func(yield func(store.UID) bool) {
		read = true
		for _, u := range uidRange(1, 50) {
			if !yield(u) {
				return
			}
		}
	}
	vanished := func() []store.UID {
		t.Helper()
		var out []store.UID
		_, err := mb.Changes(ctx, store.ChangesRequest{Since: cp, Known: known}, func(cs store.ChangeSet) error {
			out = append(out, cs.Vanished...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	if got := vanished(); !slices.Equal(got, []store.UID{3, 4}) || read {
		t.Errorf("after the store's own expunge: vanished %v (known read: %v), want [3 4] without reading known", got, read)
	}

	f, e := ts.fileOf(t, "INBOX", 10)
	if err := os.Remove(e.Path(f)); err != nil {
		t.Fatal(err)
	}
	if got := vanished(); !slices.Equal(got, []store.UID{3, 4, 10}) || !read {
		t.Errorf("after a reader's removal too: vanished %v (known read: %v), want [3 4 10] from known", got, read)
	}
}

// appendN appends messages from..to to mb and flushes them.
func appendN(t *testing.T, mb store.Mailbox, from, to int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i <= to; i++ {
		body := []byte(fmt.Sprintf("Message-ID: <m%d@test>\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i, i))
		if _, err := mb.Append(ctx, store.NewMessage{Body: bytes.NewReader(body), Size: int64(len(body)), InternalDate: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}
