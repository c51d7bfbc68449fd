package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// seedMany puts n messages into mailbox on st and returns their UIDs.
func (e *env) seedMany(st *memstore.Store, mailbox string, n int) []store.UID {
	uids := make([]store.UID, n)
	for i := range uids {
		uids[i] = e.seed(st, mailbox, fmt.Sprintf("%s-%d", mailbox, i), "")
	}
	return uids
}

func (e *env) count(st *memstore.Store, mailbox string) int {
	for _, mb := range st.Snapshot().Mailboxes {
		if mb.Name == mailbox {
			return len(mb.Messages)
		}
	}
	return -1
}

// syncErr runs one sync and returns the result and the first error.
func (e *env) syncErr(opts Options) (Result, error) {
	res, err := e.engine(opts).SyncAccount(context.Background())
	if err == nil {
		err = res.Err()
	}
	return res, err
}

func TestDeletionGuardHoldsEmptiedServerInbox(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	uids := e.seedMany(e.far, "INBOX", 200)
	e.seed(e.far, "Archive", "x", "")
	e.sync()
	if err := e.far.ExpungeBehind("INBOX", uids...); err != nil {
		t.Fatal(err)
	}
	e.seed(e.far, "INBOX", "late", "")          // new mail still flows
	e.flags(e.far, "Archive", "x", `\Seen`, ``) // and other mailboxes too
	res := e.sync()
	if n := e.count(e.near, "INBOX"); n != 201 {
		t.Fatalf("near INBOX holds %d messages, want 201 (200 held back + 1 new)", n)
	}
	var held *Held
	for _, m := range res.Mailboxes {
		if m.Mailbox == "INBOX" {
			held = m.Held
		}
	}
	if held == nil || held.Count[Near] != 200 || !strings.Contains(held.Reason, "--force") {
		t.Fatalf("held = %+v, want 200 near deletions held with a --force hint", held)
	}
	e.sync() // still held, still nothing deleted
	if n := e.count(e.near, "INBOX"); n != 201 {
		t.Fatalf("second run: near INBOX holds %d, want 201", n)
	}
	e.opts.Force = true
	e.sync()
	e.converged()
	if n := e.count(e.near, "INBOX"); n != 1 {
		t.Fatalf("forced: near INBOX holds %d, want 1", n)
	}
}

func TestEmptiedNearMailboxIsAnError(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seedMany(e.far, "INBOX", DefaultDeleteGuardCount+10)
	e.seed(e.far, "Archive", "x", "")
	e.sync()
	e.emptyNearBehind("INBOX")
	e.seed(e.far, "Archive", "y", "")
	res, err := e.syncErr(e.opts)
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("err = %v, want the empty-mailbox error", err)
	}
	if n := e.count(e.far, "INBOX"); n != DefaultDeleteGuardCount+10 {
		t.Fatalf("far INBOX holds %d messages, want all %d", n, DefaultDeleteGuardCount+10)
	}
	if n := e.count(e.near, "Archive"); n != 2 {
		t.Fatalf("other mailboxes must go on: near Archive holds %d, want 2", n)
	}
	if len(res.Mailboxes) != 2 {
		t.Fatalf("reports: %+v", res.Mailboxes)
	}
}

// TestEmptiedSmallNearMailboxPropagates: emptying a small local folder
// (a Trash of a few messages) by hand is an ordinary deletion.
func TestEmptiedSmallNearMailboxPropagates(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seedMany(e.far, "Trash", 5)
	e.sync()
	e.emptyNearBehind("Trash")
	if _, err := e.syncErr(e.opts); err != nil {
		t.Fatalf("emptying a 5-message Trash: %v", err)
	}
	if n := e.count(e.far, "Trash"); n != 0 {
		t.Fatalf("far Trash holds %d messages, want 0", n)
	}
}

func TestMissingNearMailboxIsAnError(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seedMany(e.far, "Lists", 3)
	e.sync()
	// The near directory disappears: empty it and delete it behind.
	b, _ := e.near.OpenMailbox(context.Background(), "Lists")
	var uids []store.UID
	_ = b.List(context.Background(), store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			uids = append(uids, m.UID)
		}
		return nil
	})
	b.Close()
	_ = e.near.ExpungeBehind("Lists", uids...)
	if err := e.near.DeleteMailbox(context.Background(), "Lists"); err != nil {
		t.Fatal(err)
	}
	_, err := e.syncErr(e.opts)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err = %v, want the missing-mailbox error", err)
	}
	if n := e.count(e.far, "Lists"); n != 3 {
		t.Fatalf("far Lists holds %d, want 3", n)
	}
}

func TestUIDValidityResetRepairsWithoutDownload(t *testing.T) {
	for _, side := range []Side{Far, Near} {
		t.Run(side.String(), func(t *testing.T) {
			e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
			e.seedMany(e.far, "INBOX", 30)
			e.seedMany(e.near, "INBOX", 5)
			e.sync()
			st := []*memstore.Store{e.far, e.near}[side]
			if err := st.ResetUIDValidity("INBOX"); err != nil {
				t.Fatal(err)
			}
			e.far.ResetCounts()
			e.near.ResetCounts()
			e.sync()
			assertIdle(t, e)
			e.converged()
			// Pairs now follow the new UIDs: a change made after the reset flows.
			e.flags(st, "INBOX", "INBOX-3", `\Flagged`, ``)
			e.sync()
			e.converged()
		})
	}
}

func TestUIDValidityResetDryRun(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seedMany(e.far, "INBOX", 10)
	e.sync()
	if err := e.far.ResetUIDValidity("INBOX"); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	e.opts.DryRun, e.opts.Observer = true, rec
	res := e.sync()
	if len(rec.warns) != 1 || !strings.Contains(rec.warns[0], "re-paired 10 of 10") || res.Mailboxes[0].Err != nil {
		t.Fatalf("warns %q, report %+v", rec.warns, res.Mailboxes[0])
	}
	e.opts.DryRun, e.opts.Observer = false, nil
	e.near.ResetCounts()
	e.sync()
	if n := e.near.OpCount(memstore.OpAppend); n != 0 {
		t.Fatalf("%d appends after the dry run", n)
	}
}

// A UIDVALIDITY reset with most messages gone from the server re-pairs
// those found again and keeps the local copies of the others: nothing is
// deleted, nothing is downloaded.
func TestUIDValidityResetKeepsLocalMailNotFoundAgain(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	uids := e.seedMany(e.far, "INBOX", 30)
	e.sync()
	if err := e.far.ExpungeBehind("INBOX", uids[:26]...); err != nil {
		t.Fatal(err)
	}
	if err := e.far.ResetUIDValidity("INBOX"); err != nil {
		t.Fatal(err)
	}
	e.near.ResetCounts()
	e.far.ResetCounts()
	e.sync()
	e.sync()
	if n := e.count(e.near, "INBOX"); n != 30 {
		t.Fatalf("near INBOX holds %d, want all 30", n)
	}
	if n := e.near.OpCount(memstore.OpExpunge) + e.near.OpCount(memstore.OpAppend) + e.far.OpCount(memstore.OpAppend); n != 0 {
		t.Fatalf("a store changed (%d ops)", n)
	}
}

// seedNoID puts a message without Message-ID into mailbox on st; equal n
// give equal sizes.
func (e *env) seedNoID(st *memstore.Store, mailbox string, n int, flags string) store.UID {
	e.t.Helper()
	uid, err := st.Seed(mailbox, fmt.Appendf(nil, "Subject: no id %04d\r\n\r\nsame size body\r\n", n), store.ParseFlags(flags), epoch)
	if err != nil {
		e.t.Fatal(err)
	}
	return uid
}

// Issue 11, item 10: after a UIDVALIDITY reset, messages without a
// Message-ID (same size, same date) are re-paired by their header hash,
// never first-come: a message gone meanwhile must not shift every pair by
// one and swap flags, and nothing is downloaded again.
func TestUIDValidityResetPairsByIdentityOnly(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	var uids []store.UID
	for i := range 40 {
		flags := ""
		if i%2 == 1 {
			flags = `\Flagged`
		}
		uids = append(uids, e.seedNoID(e.far, "INBOX", i, flags))
	}
	e.seedMany(e.far, "INBOX", 10)
	e.sync()
	before := e.near.Snapshot().Content()
	if err := e.far.ExpungeBehind("INBOX", uids[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.far.ResetUIDValidity("INBOX"); err != nil {
		t.Fatal(err)
	}
	e.near.ResetCounts()
	e.sync()
	if n := e.near.OpCount(memstore.OpAppend) + e.near.OpCount(memstore.OpFlags); n != 0 {
		t.Errorf("near store changed by %d appends or flag updates", n)
	}
	if after := e.near.Snapshot().Content(); after != before {
		t.Errorf("near content changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// The re-pairing rule (issue 11, item 10): every pair is justified by
// identity; duplicates pair in UID order only when their flags agree; a
// message the server changed, or pairs without identity facing unmatched
// messages, refuse the whole re-pairing.
func TestRePairRule(t *testing.T) {
	pairs := []Pair{
		{UID: [2]store.UID{1, 11}, MessageID: "a", Size: 10},
		{UID: [2]store.UID{2, 12}, EmailID: "E2", MessageID: "b", Size: 10},
		{UID: [2]store.UID{3, 13}, Size: 7, HeaderHash: "h3"},
		{UID: [2]store.UID{4, 14}, MessageID: "a", Size: 10}, // duplicate Message-ID, same flags
		{UID: [2]store.UID{5, 15}, MessageID: "gone", Size: 10},
	}
	listing := []store.Message{
		{UID: 101, MessageID: "a", Size: 10},
		{UID: 102, EmailID: "E2", MessageID: "changed", Size: 99},
		{UID: 103, Size: 7, HeaderHash: "h3"},
		{UID: 104, MessageID: "<a>", Size: 10},
		{UID: 105, MessageID: "a", Size: 11},
		{UID: 106, Size: 7, InternalDate: epoch}, // no identity: new
	}
	rp := RePair(pairs, Far, listing)
	want := []store.UID{101, 102, 103, 104, 0}
	if rp.Refused != "" || rp.Matched != 4 || fmt.Sprint(rp.NewUID) != fmt.Sprint(want) {
		t.Fatalf("RePair = %+v, want %v (4 matched)", rp, want)
	}

	swapped := slices.Clone(pairs)
	swapped[3].Flags = store.NewFlags(store.Flagged)
	if rp := RePair(swapped, Far, listing); !strings.Contains(rp.Refused, "different flags") {
		t.Errorf("duplicates with different flags: Refused = %q", rp.Refused)
	}
	changed := []store.Message{{UID: 201, MessageID: "gone", Size: 12}}
	if rp := RePair(pairs[4:], Far, changed); !strings.Contains(rp.Refused, "another size") {
		t.Errorf("a message changed by the server: Refused = %q", rp.Refused)
	}
	blind := []Pair{{UID: [2]store.UID{7, 17}, Size: 7, InternalDate: epoch}}
	if rp := RePair(blind, Far, listing[5:]); !strings.Contains(rp.Refused, "cannot be told apart") {
		t.Errorf("pairs without identity: Refused = %q", rp.Refused)
	}
	if rp := RePair(blind, Far, nil); rp.Refused != "" || rp.Matched != 0 {
		t.Errorf("pairs without identity and nothing listed: %+v, want accepted", rp)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	e.seed(e.far, "INBOX", "f1", "")
	e.seed(e.near, "New/Box", "n1", "")
	e.flags(e.near, "INBOX", "a", `\Flagged`, ``)
	e.expunge(e.far, "INBOX", "c")
	beforeF, beforeN := e.far.Snapshot().String(), e.near.Snapshot().String()
	opts := e.opts
	opts.DryRun = true
	rec := &recorder{}
	opts.Observer = rec
	eng := e.engine(opts)
	commits := 0
	eng.beforeCommit = func() error { commits++; return nil }
	res, err := eng.SyncAccount(context.Background())
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if commits != 0 {
		t.Errorf("dry run wrote the state %d times", commits)
	}
	if e.far.Snapshot().String() != beforeF || e.near.Snapshot().String() != beforeN {
		t.Error("dry run changed a store")
	}
	var in *MailboxReport
	for i := range res.Mailboxes {
		if res.Mailboxes[i].Mailbox == "INBOX" {
			in = &res.Mailboxes[i]
		}
	}
	if in == nil || !in.DryRun || in.New[Near] != 1 || in.Changed[Far] != 1 || in.Deleted[Near] != 1 {
		t.Errorf("INBOX would-report = %+v", in)
	}
	if !rec.has("would create far mailbox \"New/Box\"") {
		t.Errorf("notes %q lack the would-create", rec.notes)
	}
	e.sync() // the real run still does everything
	e.converged()
}

func TestSyncMailboxOnly(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	e.seed(e.far, "INBOX", "f1", "")
	e.seed(e.far, "Archive", "f2", "")
	rep, err := e.engine(e.opts).SyncMailbox(context.Background(), "INBOX")
	if err != nil || rep.New[Near] != 1 {
		t.Fatalf("SyncMailbox = %+v, %v", rep, err)
	}
	if n := e.count(e.near, "Archive"); n != 1 {
		t.Fatalf("Archive was synced too (%d messages)", n)
	}
	if _, err := e.engine(e.opts).SyncMailbox(context.Background(), "Nope"); err == nil {
		t.Fatal("SyncMailbox of an unknown mailbox succeeded")
	}
}

func TestRenameByMailboxID(t *testing.T) {
	testRename(t, memstore.AllFeatures())
}

func TestRenameByUIDValidity(t *testing.T) {
	f := memstore.AllFeatures()
	f.MailboxIDs = false
	testRename(t, f)
}

func testRename(t *testing.T, feat store.Features) {
	e := newEnv(t, feat, feat)
	e.base()
	e.seed(e.far, "Archive/2024", "y", "")
	e.sync()
	if err := e.far.RenameMailbox(context.Background(), "Archive", "Old"); err != nil {
		t.Fatal(err)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	e.converged()
	if n := e.near.OpCount(memstore.OpAppend) + e.far.OpCount(memstore.OpFetchBody); n != 0 {
		t.Fatalf("rename re-downloaded (%d ops)", n)
	}
	if e.count(e.near, "Old/2024") != 1 || e.count(e.near, "Archive") != -1 {
		t.Fatalf("near side not renamed:\n%s", e.near.Snapshot())
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
}

func TestEmptyMailboxDeletionPropagates(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	if err := e.far.CreateMailbox(context.Background(), "Tmp", ""); err != nil {
		t.Fatal(err)
	}
	e.seed(e.far, "Full", "z", "")
	e.sync()
	for _, n := range []string{"Tmp"} {
		if err := e.near.DeleteMailbox(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	e.sync()
	if e.count(e.far, "Tmp") != -1 {
		t.Fatal("empty far mailbox not deleted")
	}
	e.converged()
}

func TestLimitsAndExpungeNone(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.opts.MaxSize = 100
	e.opts.Expunge = ExpungeNone
	e.seed(e.far, "INBOX", "small", "")
	if _, err := e.far.Seed("INBOX", body("big", strings.Repeat("x", 200)), nil, epoch); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	if len(res.Mailboxes[0].Skipped) != 1 || res.Mailboxes[0].Skipped[0].Reason != SkipTooLarge {
		t.Fatalf("skipped = %+v", res.Mailboxes[0].Skipped)
	}
	e.expunge(e.far, "INBOX", "small")
	e.sync()
	b, _ := e.near.OpenMailbox(context.Background(), "INBOX")
	defer b.Close()
	ms, _ := b.Find(context.Background(), store.Query{MessageID: "small@test"})
	if len(ms) != 1 || !ms[0].Flags.Has(store.Deleted) {
		t.Fatalf("with expunge none the near copy must stay, marked \\Deleted: %+v", ms)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
}

func TestConflictIsPlannedAgain(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	e.flags(e.near, "INBOX", "c", `\Seen`, ``)
	uid := e.uid(e.far, "INBOX", "c")
	var once sync.Once
	e.far.SetOnOp(func(op, mailbox string) error {
		if op == memstore.OpFlags {
			once.Do(func() { _ = e.far.ChangeFlagsBehind("INBOX", uid, store.NewFlags(store.Flagged), nil) })
		}
		return nil
	})
	res := e.sync()
	e.far.SetOnOp(nil)
	if c := total(res, func(m MailboxReport) int { return m.Conflicts }); c != 1 {
		t.Fatalf("conflicts = %d, want 1", c)
	}
	e.sync()
	e.converged()
	b, _ := e.far.OpenMailbox(context.Background(), "INBOX")
	defer b.Close()
	ms, _ := b.Find(context.Background(), store.Query{MessageID: "c@test"})
	if len(ms) != 1 || !ms[0].Flags.Equal(store.NewFlags(store.Seen, store.Flagged)) {
		t.Fatalf("merged flags = %+v", ms)
	}
}

func TestMessageFailureSkipsAndRetries(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seedMany(e.far, "INBOX", 3)
	e.near.SetOnOp(func(op, mailbox string) error {
		if op == memstore.OpAppend {
			e.near.SetOnOp(nil)
			return store.Errorf(store.ScopeMessage, false, op, mailbox, 0, "refused")
		}
		return nil
	})
	rec := &recorder{}
	e.opts.Observer = rec
	res := e.sync()
	if res.Mailboxes[0].Failed != 1 || res.Mailboxes[0].New[Near] != 2 || len(rec.warns) == 0 {
		t.Fatalf("report %+v warns %q", res.Mailboxes[0], rec.warns)
	}
	e.sync()
	e.converged()
}

func TestStoreErrorStopsTheAccount(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.base()
	e.far.SetOnOp(func(op, mailbox string) error {
		if op == memstore.OpOpen {
			return store.Errorf(store.ScopeStore, true, op, mailbox, 0, "connection lost")
		}
		return nil
	})
	_, err := e.engine(e.opts).SyncAccount(context.Background())
	if store.ScopeOf(err) != store.ScopeStore {
		t.Fatalf("err = %v, want a store-level error", err)
	}
}

func TestNewRejectsMissingParts(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	if _, err := New(nil, e.near, e.db, e.opts); err == nil {
		t.Fatal("New accepted a nil store")
	}
	if _, err := New(e.far, e.near, nil, e.opts); err == nil {
		t.Fatal("New accepted a nil database")
	}
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu                  sync.Mutex
	notes, warns        []string
	starts, dones, errs int
	bytes               int64
}

func (r *recorder) MailboxStart(MailboxStart) { r.mu.Lock(); r.starts++; r.mu.Unlock() }
func (r *recorder) Progress(_ string, _ Side, n int64) {
	r.mu.Lock()
	r.bytes += n
	r.mu.Unlock()
}
func (r *recorder) MailboxDone(MailboxReport) { r.mu.Lock(); r.dones++; r.mu.Unlock() }
func (r *recorder) Warn(_, m string)          { r.mu.Lock(); r.warns = append(r.warns, m); r.mu.Unlock() }
func (r *recorder) Note(_, m string)          { r.mu.Lock(); r.notes = append(r.notes, m); r.mu.Unlock() }
func (r *recorder) Error(string, error)       { r.mu.Lock(); r.errs++; r.mu.Unlock() }

func (r *recorder) has(note string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.notes {
		if n == note {
			return true
		}
	}
	return false
}

// emptyNearBehind removes every message of a near mailbox behind the
// engine's back, as a user emptying the folder in a mail reader would.
func (e *env) emptyNearBehind(mailbox string) {
	e.t.Helper()
	var near []store.UID
	b, err := e.near.OpenMailbox(context.Background(), mailbox)
	if err != nil {
		e.t.Fatal(err)
	}
	err = b.List(context.Background(), store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			near = append(near, m.UID)
		}
		return nil
	})
	b.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.near.ExpungeBehind(mailbox, near...); err != nil {
		e.t.Fatal(err)
	}
}
