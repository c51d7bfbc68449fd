package syncer

import (
	"io"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// failNextAppend makes the next Append on st fail at message scope: the
// run goes on but records no checkpoint.
func failNextAppend(st *memstore.Store) {
	st.SetOnOp(func(op, mailbox string) error {
		if op == memstore.OpAppend {
			st.SetOnOp(nil)
			return store.Errorf(store.ScopeMessage, false, op, mailbox, 0, "refused")
		}
		return nil
	})
}

// Issue 11, item 8: a message copied by a run that recorded no checkpoint
// and then deleted must have its deletion propagated, although its UID is
// at or above the recorded checkpoint's UIDNEXT. Over every feature set
// (QRESYNC log, Known compared with the mailbox, full listings).
func TestDeletionAfterRunWithoutCheckpoint(t *testing.T) {
	for _, fs := range featureSets() {
		t.Run(fs.name, func(t *testing.T) {
			e := newEnv(t, fs.feat, fs.feat)
			e.seed(e.far, "INBOX", "old", "")
			e.sync() // a checkpoint on both sides
			e.seed(e.far, "INBOX", "a", "")
			e.seed(e.far, "INBOX", "b", "")
			failNextAppend(e.near)
			if res, _ := e.syncErr(e.opts); res.Mailboxes[0].Failed != 1 {
				t.Fatalf("report %+v, want one failed message", res.Mailboxes[0])
			}
			copied := "a"
			if e.count(e.near, "INBOX") != 2 {
				t.Fatalf("near holds %d, want 2", e.count(e.near, "INBOX"))
			}
			if !e.has(e.near, "INBOX", copied) {
				copied = "b"
			}
			e.expunge(e.near, "INBOX", copied)
			e.sync()
			e.sync()
			if e.has(e.far, "INBOX", copied) {
				t.Errorf("%s deleted on the near side after a run without checkpoint is still on the far side", copied)
			}
			e.converged()
		})
	}
}

// has reports whether mailbox on st holds the message seeded as id.
func (e *env) has(st *memstore.Store, mailbox, id string) bool {
	e.t.Helper()
	b, err := st.OpenMailbox(e.t.Context(), mailbox)
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	ms, err := b.Find(e.t.Context(), store.Query{MessageID: id + "@test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ms) > 0
}

// Issue 11, item 7: a near folder emptied, refused by the empty-folder
// guard, then restored by copying the same files back (new UIDs, same
// content, some without Message-ID) is re-paired by identity: nothing is
// uploaded again, nothing deleted, flags changed meanwhile carried over.
func TestRestoredFolderIsRePairedNotUploaded(t *testing.T) {
	for _, fs := range featureSets() {
		t.Run(fs.name, func(t *testing.T) {
			e := newEnv(t, fs.feat, fs.feat)
			e.seedMany(e.far, "INBOX", 55)
			for i := range 5 {
				e.seedNoID(e.far, "INBOX", i, "")
			}
			e.sync()
			saved := e.bodies(e.near, "INBOX")
			e.emptyNearBehind("INBOX")
			if _, err := e.syncErr(e.opts); err == nil {
				t.Fatal("an emptied folder of 60 was not refused")
			}
			for i, m := range saved {
				flags := m.Flags
				if i == 3 {
					flags = store.NewFlags(store.Flagged)
				}
				if _, err := e.near.Seed("INBOX", m.body, flags, m.InternalDate); err != nil {
					t.Fatal(err)
				}
			}
			e.far.ResetCounts()
			e.near.ResetCounts()
			e.sync()
			e.sync()
			if n := e.far.OpCount(memstore.OpAppend) + e.far.OpCount(memstore.OpExpunge) + e.near.OpCount(memstore.OpAppend); n != 0 {
				t.Errorf("%d appends or expunges after the restore, want none", n)
			}
			if n := e.count(e.far, "INBOX"); n != 60 {
				t.Errorf("far INBOX holds %d, want 60", n)
			}
			e.converged()
		})
	}
}

// savedMessage is a message read back from a store.
type savedMessage struct {
	store.Message
	body []byte
}

// bodies reads every message of mailbox on st.
func (e *env) bodies(st *memstore.Store, mailbox string) []savedMessage {
	e.t.Helper()
	b, err := st.OpenMailbox(e.t.Context(), mailbox)
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	var uids []store.UID
	err = b.List(e.t.Context(), store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			uids = append(uids, m.UID)
		}
		return nil
	})
	var out []savedMessage
	if err == nil {
		err = b.FetchBodies(e.t.Context(), uids, func(m store.Message, r io.Reader) error {
			body, err := io.ReadAll(r)
			out = append(out, savedMessage{copyMessage(m), body})
			return err
		})
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// Issue 11, item 9: without UIDPLUS, a server that stores an appended
// message with another size than was sent (the same Message-ID) must not
// get it again on every run: the copy is found again by its Message-ID
// at or above the floor recorded before the append.
func TestAppendStoredWithOtherSizeIsFoundAgain(t *testing.T) {
	feat := memstore.AllFeatures()
	feat.UIDPlus = false
	e := newEnv(t, feat, memstore.AllFeatures())
	e.far = memstore.New(memstore.Options{Features: feat, ReportMoves: true, StoreAs: func(b []byte) []byte {
		return append([]byte("X-Stored-By: test\r\n"), b...)
	}})
	e.opts.BatchMessages = 2
	e.seedMany(e.near, "INBOX", 5)
	for range 3 {
		e.sync()
	}
	if n := e.count(e.far, "INBOX"); n != 5 {
		t.Fatalf("far INBOX holds %d after three runs, want 5", n)
	}
	if n := e.count(e.near, "INBOX"); n != 5 {
		t.Fatalf("near INBOX holds %d after three runs, want 5", n)
	}
}

// Issue 11, item 11 (second half): deletions across the account are
// capped per run: a server account wiped mailbox by mailbox (each under
// the per-mailbox guard) does not empty the Maildir; the guard stays
// tripped in later runs until a run with Force.
func TestAccountWideDeletionGuard(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.opts.DeleteGuardAccount = 100
	boxes := []string{"INBOX", "A", "B"}
	far := map[string][]store.UID{}
	for _, b := range boxes {
		if b != "INBOX" {
			if err := e.far.CreateMailbox(t.Context(), b, ""); err != nil {
				t.Fatal(err)
			}
		}
		far[b] = e.seedMany(e.far, b, 40)
	}
	e.sync()
	for _, b := range boxes {
		if err := e.far.ExpungeBehind(b, far[b]...); err != nil {
			t.Fatal(err)
		}
	}
	nearTotal := func() int {
		n := 0
		for _, b := range boxes {
			n += e.count(e.near, b)
		}
		return n
	}
	rec := &recorder{}
	e.opts.Observer = rec
	e.sync()
	if n := nearTotal(); n < 120-100 {
		t.Fatalf("near holds %d after the first run, want at least 20 kept by the account-wide guard", n)
	}
	if !rec.hasWarn("account-wide deletion guard") {
		t.Errorf("no account-wide guard warning in %q", rec.warns)
	}
	kept := nearTotal()
	e.sync()
	if n := nearTotal(); n != kept {
		t.Fatalf("near holds %d after a second run, want the %d kept: the tripped guard must hold", n, kept)
	}
	e.opts.Force = true
	e.sync()
	if n := nearTotal(); n != 0 {
		t.Fatalf("near holds %d after a forced run, want 0", n)
	}
	e.opts.Force = false
	e.seedMany(e.far, "A", 3)
	e.sync()
	if n := e.count(e.near, "A"); n != 3 {
		t.Errorf("after the forced run the guard still holds: near A has %d, want 3", n)
	}
}

// hasWarn reports whether a warning contains part.
func (r *recorder) hasWarn(part string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.warns {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// Issue 11, item 9 (first half): an interrupted copy is searched for from
// the floor its intent recorded, not from the checkpoint's UIDNEXT, which
// later batches or runs may have raised past the copy.
func TestRecoverySearchesFromTheIntentsFloor(t *testing.T) {
	feat := memstore.AllFeatures()
	feat.UIDPlus = false
	e := newEnv(t, feat, feat)
	e.base()
	f1 := e.seed(e.far, "INBOX", "f1", `\Seen`)
	var floor store.UID
	for _, mb := range e.near.Snapshot().Mailboxes {
		if mb.Name == "INBOX" {
			floor = mb.UIDNext
		}
	}
	// The copy an interrupted run made, stored with another size (so only
	// recovery, not adoption, can pair it).
	if _, err := e.near.Seed("INBOX", append([]byte("X-Stored-By: test\r\n"), body("f1")...), store.ParseFlags(`\Seen`), epoch); err != nil {
		t.Fatal(err)
	}
	e.seed(e.near, "INBOX", "later", ``) // a later batch's copy, resolved
	ctx := t.Context()
	err := e.db.Update(ctx, func(tx *statedb.Tx) error {
		row, ok, err := tx.MailboxByFarName("INBOX")
		if err != nil || !ok {
			t.Fatalf("INBOX row: %v %v", ok, err)
		}
		body := body("f1")
		if _, err := tx.AddIntent(statedb.Intent{Mailbox: row.ID, Kind: statedb.IntentCopyToNear, Source: statedb.Far,
			SourceUID: uint32(f1), MessageID: "f1@test", Size: int64(len(body)), InternalDate: epoch,
			SearchFloor: uint32(floor)}); err != nil {
			return err
		}
		row.NearUIDNext = uint32(floor) + 2 // raised past the copy
		return tx.UpdateMailbox(row)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.sync()
	e.sync()
	for i, st := range []*memstore.Store{e.far, e.near} {
		if n := e.count(st, "INBOX"); n != 6 { // a b c n, f1 once, later
			t.Errorf("%s INBOX holds %d, want 6 (f1 once)", Side(i), n)
		}
	}
}
