package storetest

import (
	"fmt"
	"slices"

	"github.com/imapdir/imapdir/store"
)

// changes is what one Changes call reported, gathered over its batches.
type changes struct {
	changed  []store.Message
	vanished []store.UID
	cp       store.Checkpoint
}

// getChanges calls Changes since cp; known (ascending) is passed as
// req.Known when not nil.
func (f *fixture) getChanges(mb store.Mailbox, cp store.Checkpoint, known []store.UID) (changes, error) {
	req := store.ChangesRequest{Since: cp}
	if known != nil {
		req.Known = slices.Values(known)
	}
	var c changes
	var err error
	c.cp, err = mb.Changes(f.ctx, req, func(cs store.ChangeSet) error {
		for _, m := range cs.Changed {
			m.Flags = slices.Clone(m.Flags)
			c.changed = append(c.changed, m)
		}
		c.vanished = append(c.vanished, cs.Vanished...)
		return nil
	})
	slices.Sort(c.vanished)
	return c, err
}

// mustChanges is getChanges failing the test on error.
func (f *fixture) mustChanges(mb store.Mailbox, cp store.Checkpoint, known []store.UID) changes {
	f.t.Helper()
	c, err := f.getChanges(mb, cp, known)
	if err != nil {
		f.t.Fatalf("Changes since %+v: %v", cp, err)
	}
	return c
}

// changedUIDs returns the sorted, distinct UIDs of c.changed.
func (c changes) changedUIDs() []store.UID {
	u := uidsOf(c.changed)
	slices.Sort(u)
	return slices.Compact(u)
}

// testChanges: from a first checkpoint, changes made behind are reported
// exactly (new, flag change, vanished), checkpoints progress, and the next
// Changes reports nothing. A store claiming QResync reports vanished UIDs
// without being told the known ones.
func testChanges(f *fixture) {
	if !f.feat.Changes {
		f.t.Skip("store does not claim Changes (honesty checked in ChangesUnusable)")
	}
	mb := f.open("INBOX")
	uids := f.appendN(mb, "chg", 4)
	first := store.Checkpoint{UIDValidity: mb.Status().UIDValidity}
	c0 := f.mustChanges(mb, first, nil)
	if got := c0.changedUIDs(); fmt.Sprint(got) != fmt.Sprint(uids) || len(c0.vanished) != 0 {
		f.t.Fatalf("Changes from the beginning: changed %v vanished %v, want changed %v", got, c0.vanished, uids)
	}
	cp1 := c0.cp
	if cp1.UIDValidity != first.UIDValidity || cp1.UIDNext <= uids[3] {
		f.t.Fatalf("first checkpoint %+v: want UIDVALIDITY %d and UIDNext > %d", cp1, first.UIDValidity, uids[3])
	}
	if c := f.mustChanges(mb, cp1, uids); len(c.changed)+len(c.vanished) != 0 {
		f.t.Errorf("Changes right after a checkpoint: changed %v vanished %v, want nothing", c.changedUIDs(), c.vanished)
	}

	f.changeFlagsBehind("INBOX", uids[1], store.Flags{store.Flagged}, nil)
	f.expungeBehind("INBOX", uids[2])
	newBody := mail("chg-new", "arrived behind\r\n")
	f.appendBehind("INBOX", newBody, store.Flags{store.Seen}, baseDate)
	newUID := f.findOne(mb, newBody)

	var known []store.UID
	if !f.feat.QResync {
		known = uids
	}
	c2 := f.mustChanges(mb, cp1, known)
	want := []store.UID{uids[1], newUID}
	if got := c2.changedUIDs(); fmt.Sprint(got) != fmt.Sprint(want) {
		f.t.Errorf("changed %v, want %v (flag change, new)", got, want)
	}
	if fmt.Sprint(c2.vanished) != fmt.Sprint([]store.UID{uids[2]}) {
		f.t.Errorf("vanished %v, want [%d] (QResync %v, Known given %v)", c2.vanished, uids[2], f.feat.QResync, known != nil)
	}
	checkChangedMeta(f, c2, uids[1], newUID, len(newBody))
	checkProgress(f, cp1, c2.cp)
	remaining := []store.UID{uids[0], uids[1], uids[3], newUID}
	if c := f.mustChanges(mb, c2.cp, remaining); len(c.changed)+len(c.vanished) != 0 {
		f.t.Errorf("second Changes with the new checkpoint: changed %v vanished %v, want nothing", c.changedUIDs(), c.vanished)
	}
}

// checkChangedMeta: changed messages come with their current metadata.
func checkChangedMeta(f *fixture, c changes, flagged, fresh store.UID, freshSize int) {
	f.t.Helper()
	got := byUID(c.changed)
	if m := got[flagged]; !m.Flags.Has(store.Flagged) {
		f.t.Errorf("changed uid %d reported with flags %v, want \\Flagged", flagged, m.Flags)
	}
	if m := got[fresh]; m.Size != int64(freshSize) || !m.Flags.Has(store.Seen) {
		f.t.Errorf("new uid %d reported as size %d flags %v, want %d and \\Seen", fresh, m.Size, m.Flags, freshSize)
	}
	if f.feat.CondStore {
		for _, m := range c.changed {
			if m.ModSeq == 0 {
				f.t.Errorf("changed uid %d has no modseq but the store claims CondStore", m.UID)
			}
		}
	}
}

// checkProgress: a later checkpoint is not behind an earlier one, and with
// CondStore its HIGHESTMODSEQ grew.
func checkProgress(f *fixture, before, after store.Checkpoint) {
	f.t.Helper()
	if after.UIDValidity != before.UIDValidity || after.UIDNext <= before.UIDNext {
		f.t.Errorf("checkpoint %+v after %+v: want same UIDVALIDITY, higher UIDNext", after, before)
	}
	if f.feat.CondStore && after.HighestModSeq <= before.HighestModSeq {
		f.t.Errorf("HighestModSeq %d did not grow from %d", after.HighestModSeq, before.HighestModSeq)
	}
	if !f.feat.CondStore && after.HighestModSeq != 0 {
		f.t.Errorf("checkpoint has modseq %d but the store does not claim CondStore", after.HighestModSeq)
	}
}

// testUIDValidity: UIDVALIDITY and UIDs are stable across opens; a mailbox
// recreated under the same name cannot reuse UIDs under the old
// UIDVALIDITY; after a reset, an old checkpoint is unusable.
func testUIDValidity(f *fixture) {
	mb := f.open("INBOX")
	uids := f.appendN(mb, "uidv", 2)
	v := mb.Status().UIDValidity
	if v == 0 {
		f.t.Fatalf("UIDVALIDITY is 0")
	}
	again := f.open("INBOX")
	if again.Status().UIDValidity != v || fmt.Sprint(uidsOf(f.list(again, store.ListOptions{}))) != fmt.Sprint(uids) {
		f.t.Errorf("second open: UIDVALIDITY %d (want %d) or UIDs changed", again.Status().UIDValidity, v)
	}
	checkRecreate(f)
	if f.h.ResetUIDValidity == nil {
		return
	}
	f.list(mb, store.ListOptions{})
	st := mb.Status()
	old := store.Checkpoint{UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, HighestModSeq: st.HighestModSeq}
	if f.feat.Changes {
		old = f.mustChanges(mb, store.Checkpoint{UIDValidity: v}, nil).cp
	}
	f.h.ResetUIDValidity(f.t, f.st, "INBOX")
	fresh := f.open("INBOX")
	if nv := fresh.Status().UIDValidity; nv == v {
		f.t.Fatalf("UIDVALIDITY still %d after a reset", nv)
	}
	if n := len(f.list(fresh, store.ListOptions{})); n != len(uids) {
		f.t.Errorf("after reset %d messages, want %d", n, len(uids))
	}
	_, err := f.getChanges(fresh, old, uids)
	f.wantErr("Changes across a UIDVALIDITY reset", err, store.ErrCheckpointUnusable)
}

// checkRecreate: deleting and recreating a mailbox either changes its
// UIDVALIDITY or keeps counting UIDs up (RFC 9051 §2.3.1.1).
func checkRecreate(f *fixture) {
	f.create("Again")
	mb, err := f.st.OpenMailbox(f.ctx, "Again")
	if err != nil {
		f.t.Fatalf("OpenMailbox: %v", err)
	}
	uids := f.appendN(mb, "again", 2)
	st := mb.Status()
	if err := mb.Expunge(f.ctx, uids); err != nil {
		f.t.Fatalf("Expunge: %v", err)
	}
	mb.Close()
	if err := f.st.DeleteMailbox(f.ctx, "Again"); err != nil {
		f.t.Fatalf("DeleteMailbox: %v", err)
	}
	f.create("Again")
	re := f.open("Again")
	uid := f.appendN(re, "again-new", 1)[0]
	if re.Status().UIDValidity == st.UIDValidity && uid <= uids[1] {
		f.t.Errorf("recreated mailbox reuses uid %d under the same UIDVALIDITY %d", uid, st.UIDValidity)
	}
}

// testReopen: with a Reopen hook, a reopened store shows the same
// UIDVALIDITY, UIDs and bodies.
func testReopen(f *fixture) {
	if f.h.Reopen == nil {
		f.t.Skip("harness has no Reopen")
	}
	mb, err := f.st.OpenMailbox(f.ctx, "INBOX")
	if err != nil {
		f.t.Fatalf("OpenMailbox: %v", err)
	}
	uids := f.appendN(mb, "reopen", 3)
	v := mb.Status().UIDValidity
	before, _ := f.bodies(mb, uids)
	if err := mb.Close(); err != nil {
		f.t.Fatalf("Close: %v", err)
	}
	f.setStore(f.h.Reopen(f.t, f.st))
	re := f.open("INBOX")
	after, _ := f.bodies(re, uids)
	if re.Status().UIDValidity != v || len(after) != len(before) {
		f.t.Fatalf("reopened: UIDVALIDITY %d (want %d), %d of %d bodies", re.Status().UIDValidity, v, len(after), len(before))
	}
	for _, uid := range uids {
		if string(after[uid]) != string(before[uid]) {
			f.t.Errorf("uid %d body changed across reopen", uid)
		}
	}
}

// testChangesVanishedAboveCheckpoint: a message that arrived after a
// checkpoint and vanished again is reported vanished when the caller knows
// it (it may have paired it in a run that recorded no checkpoint), whatever
// the checkpoint's UIDNEXT; a store claiming QResync reports it without
// being told.
func testChangesVanishedAboveCheckpoint(f *fixture) {
	if !f.feat.Changes {
		f.t.Skip("store does not claim Changes")
	}
	mb := f.open("INBOX")
	uids := f.appendN(mb, "above", 2)
	cp := f.mustChanges(mb, store.Checkpoint{UIDValidity: mb.Status().UIDValidity}, nil).cp
	body := mail("above-late", "arrived after the checkpoint\r\n")
	f.appendBehind("INBOX", body, nil, baseDate)
	late := f.findOne(mb, body)
	if late < cp.UIDNext {
		f.t.Fatalf("UID %d arrived after a checkpoint with UIDNEXT %d", late, cp.UIDNext)
	}
	f.expungeBehind("INBOX", late)
	known := append(slices.Clone(uids), late)
	if c := f.mustChanges(mb, cp, known); !slices.Contains(c.vanished, late) {
		f.t.Errorf("known UID %d (>= checkpoint UIDNEXT %d) expunged: vanished %v, want it reported", late, cp.UIDNext, c.vanished)
	}
	if f.feat.QResync {
		if c := f.mustChanges(mb, cp, nil); !slices.Contains(c.vanished, late) {
			f.t.Errorf("QResync: UID %d expunged: vanished %v, want it reported without Known", late, c.vanished)
		}
	}
}
