package storetest

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/imapdir/imapdir/store"
)

// testConditionalFlags: with CondStore, messages carry modseqs, a change
// raises HIGHESTMODSEQ, and UnchangedSince refuses messages changed since
// (RFC 7162 §3.1.3) as conflicts; without, no modseq is shown anywhere.
func testConditionalFlags(f *fixture) {
	mb := f.open("INBOX")
	uids := f.appendN(mb, "cond", 2)
	listed := f.list(mb, store.ListOptions{})
	if !f.feat.CondStore {
		for _, m := range listed {
			if m.ModSeq != 0 {
				f.t.Errorf("uid %d has modseq %d but the store does not claim CondStore", m.UID, m.ModSeq)
			}
		}
		if hm := mb.Status().HighestModSeq; hm != 0 {
			f.t.Errorf("HighestModSeq %d but the store does not claim CondStore", hm)
		}
		return
	}
	var top store.ModSeq
	for _, m := range listed {
		if m.ModSeq == 0 {
			f.t.Fatalf("uid %d has no modseq but the store claims CondStore", m.UID)
		}
		top = max(top, m.ModSeq)
	}
	high := mb.Status().HighestModSeq
	if high < top {
		f.t.Fatalf("HighestModSeq %d below a message's modseq %d", high, top)
	}
	f.changeFlagsBehind("INBOX", uids[0], store.Flags{store.Flagged}, nil)
	conflicts, err := mb.UpdateFlags(f.ctx, store.FlagChange{UIDs: uids, Add: store.Flags{store.Seen}, UnchangedSince: top})
	if err != nil {
		f.t.Fatalf("conditional UpdateFlags: %v", err)
	}
	if fmt.Sprint(conflicts) != fmt.Sprint(uids[:1]) {
		f.t.Errorf("conflicts %v, want %v (changed behind since modseq %d)", conflicts, uids[:1], top)
	}
	after := byUID(f.list(mb, store.ListOptions{}))
	if a := after[uids[0]]; a.Flags.Has(store.Seen) || !a.Flags.Has(store.Flagged) {
		f.t.Errorf("conflicting uid %d got flags %v: want \\Flagged (behind) without \\Seen", uids[0], a.Flags)
	}
	if b := after[uids[1]]; !b.Flags.Has(store.Seen) || b.ModSeq <= top {
		f.t.Errorf("uid %d: flags %v modseq %d: want \\Seen and modseq above %d", uids[1], b.Flags, b.ModSeq, top)
	}
	if hm := mb.Status().HighestModSeq; hm <= high {
		f.t.Errorf("HighestModSeq %d did not grow from %d after changes", hm, high)
	}
}

// testLabels: with GmailLabels, labels given at append are listed; without,
// none are shown.
func testLabels(f *fixture) {
	mb := f.open("INBOX")
	body := mail("labels", "x\r\n")
	labels := []string{"Family", "Work/Projects", "Überweisungen"}
	uid, err := mb.Append(f.ctx, store.NewMessage{Size: int64(len(body)), Body: bytes.NewReader(body), InternalDate: baseDate, Labels: labels})
	if err != nil {
		f.t.Fatalf("Append with labels: %v", err)
	}
	if err := mb.Flush(f.ctx); err != nil {
		f.t.Fatalf("Flush: %v", err)
	}
	if uid == 0 {
		uid = f.findOne(mb, body)
	}
	m := byUID(f.list(mb, store.ListOptions{}))[uid]
	got := slices.Sorted(slices.Values(m.Labels))
	switch {
	case f.feat.GmailLabels && !slices.Equal(got, labels):
		f.t.Errorf("labels %q, want %q", got, labels)
	case !f.feat.GmailLabels && len(got) != 0:
		f.t.Errorf("labels %q shown but the store does not claim GmailLabels", got)
	}
}

// testChangesUnusable: without Changes, Changes says the checkpoint is
// unusable; with it, a checkpoint of another UIDVALIDITY is unusable.
func testChangesUnusable(f *fixture) {
	mb := f.open("INBOX")
	f.appendN(mb, "unusable", 1)
	f.list(mb, store.ListOptions{})
	st := mb.Status()
	cp := store.Checkpoint{UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, HighestModSeq: st.HighestModSeq}
	if !f.feat.Changes {
		_, err := mb.Changes(f.ctx, store.ChangesRequest{Since: cp}, func(store.ChangeSet) error { return nil })
		f.wantErr("Changes without the Changes feature", err, store.ErrCheckpointUnusable)
		return
	}
	cp.UIDValidity++
	called := false
	_, err := mb.Changes(f.ctx, store.ChangesRequest{Since: cp}, func(store.ChangeSet) error { called = true; return nil })
	f.wantErr("Changes from another UIDVALIDITY", err, store.ErrCheckpointUnusable)
	if called {
		f.t.Errorf("Changes called fn for an unusable checkpoint")
	}
}
