package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/imapdir/imapdir/store"
)

// testMove: moved messages leave the source and arrive whole in the
// destination with their flags (and EmailIDs with StableIDs); with UIDPlus
// the new UIDs are returned; a missing destination changes nothing.
func testMove(f *fixture) {
	f.create("Archive/2024")
	src := f.open("INBOX")
	uids := make([]store.UID, 3)
	for i := range uids {
		uids[i] = f.append(src, mail(fmt.Sprintf("move-%d", i), "to move\r\n"), store.Flags{store.Seen, store.Answered}, baseDate)
	}
	before := byUID(f.list(src, store.ListOptions{}))
	checkEmailIDs(f, before)
	moved, err := src.Move(f.ctx, []store.UID{uids[2], uids[0]}, "Archive/2024")
	if err != nil {
		f.t.Fatalf("Move: %v", err)
	}
	if left := uidsOf(f.list(src, store.ListOptions{})); fmt.Sprint(left) != fmt.Sprint(uids[1:2]) {
		f.t.Errorf("source after Move: %v, want %v", left, uids[1:2])
	}
	dst := f.open("Archive/2024")
	arrived := f.list(dst, store.ListOptions{})
	if len(arrived) != 2 {
		f.t.Fatalf("destination holds %d messages, want 2", len(arrived))
	}
	checkMoveMap(f, moved, uids, arrived)
	got, _ := f.bodies(dst, uidsOf(arrived))
	want := map[string]bool{
		string(mail("move-0", "to move\r\n")): true,
		string(mail("move-2", "to move\r\n")): true,
	}
	for _, m := range arrived {
		if !want[string(got[m.UID])] {
			f.t.Errorf("moved uid %d: body %q is not one of the moved messages", m.UID, got[m.UID])
		}
		delete(want, string(got[m.UID]))
		if !m.Flags.Equal(store.Flags{store.Seen, store.Answered}) {
			f.t.Errorf("moved uid %d: flags %v, want \\Answered \\Seen", m.UID, m.Flags)
		}
	}
	if f.feat.StableIDs {
		checkIDsKept(f, before, uids, moved, arrived)
	}
	_, err = src.Move(f.ctx, uids[1:2], "Nowhere")
	f.wantErr("Move to a missing mailbox", err, store.ErrMailboxNotFound)
	if left := f.list(src, store.ListOptions{}); len(left) != 1 {
		f.t.Errorf("failed Move changed the source: %d messages, want 1", len(left))
	}
}

// checkEmailIDs: with StableIDs every message has a distinct EmailID;
// without, none has one.
func checkEmailIDs(f *fixture, ms map[store.UID]store.Message) {
	f.t.Helper()
	seen := make(map[string]store.UID)
	for uid, m := range ms {
		switch {
		case !f.feat.StableIDs && m.EmailID != "":
			f.t.Errorf("uid %d has EmailID %q but the store does not claim StableIDs", uid, m.EmailID)
		case f.feat.StableIDs && m.EmailID == "":
			f.t.Errorf("uid %d has no EmailID but the store claims StableIDs", uid)
		case m.EmailID != "" && seen[m.EmailID] != 0:
			f.t.Errorf("uids %d and %d share EmailID %q", uid, seen[m.EmailID], m.EmailID)
		}
		seen[m.EmailID] = uid
	}
}

// checkMoveMap: with UIDPlus, Move returned exactly the moved UIDs mapped
// to the UIDs now in the destination.
func checkMoveMap(f *fixture, moved map[store.UID]store.UID, uids []store.UID, arrived []store.Message) {
	f.t.Helper()
	if !f.feat.UIDPlus {
		return
	}
	in := byUID(arrived)
	for _, old := range []store.UID{uids[0], uids[2]} {
		if _, ok := in[moved[old]]; !ok {
			f.t.Errorf("Move mapped uid %d to %d, not in the destination", old, moved[old])
		}
	}
	if len(moved) != 2 {
		f.t.Errorf("Move returned %d UIDs (%v), want 2", len(moved), moved)
	}
}

// checkIDsKept: a moved message keeps its EmailID.
func checkIDsKept(f *fixture, before map[store.UID]store.Message, uids []store.UID, moved map[store.UID]store.UID, arrived []store.Message) {
	f.t.Helper()
	ids := make(map[string]bool)
	for _, m := range arrived {
		ids[m.EmailID] = true
	}
	for _, old := range []store.UID{uids[0], uids[2]} {
		if !ids[before[old].EmailID] {
			f.t.Errorf("EmailID %q of moved uid %d not found in the destination", before[old].EmailID, old)
		}
	}
}

// testListBatches: List honours BatchSize, MinUID and MaxUID, in ascending order,
// and returns the callback's error.
func testListBatches(f *fixture) {
	mb := f.open("INBOX")
	uids := f.appendN(mb, "batch", 23)
	var seen []store.UID
	calls := 0
	err := mb.List(f.ctx, store.ListOptions{BatchSize: 5}, func(b []store.Message) error {
		calls++
		if len(b) == 0 || len(b) > 5 {
			f.t.Errorf("batch of %d messages, want 1..5", len(b))
		}
		seen = append(seen, uidsOf(b)...)
		return nil
	})
	if err != nil {
		f.t.Fatalf("List: %v", err)
	}
	if fmt.Sprint(seen) != fmt.Sprint(uids) || calls < 5 {
		f.t.Errorf("List in batches of 5 gave %v in %d calls, want %v in at least 5", seen, calls, uids)
	}
	from := f.list(mb, store.ListOptions{MinUID: uids[10], BatchSize: 4})
	if fmt.Sprint(uidsOf(from)) != fmt.Sprint(uids[10:]) {
		f.t.Errorf("List MinUID %d gave %v, want %v", uids[10], uidsOf(from), uids[10:])
	}
	win := f.list(mb, store.ListOptions{MinUID: uids[5], MaxUID: uids[12], BatchSize: 3})
	if fmt.Sprint(uidsOf(win)) != fmt.Sprint(uids[5:13]) {
		f.t.Errorf("List MinUID %d MaxUID %d gave %v, want %v", uids[5], uids[12], uidsOf(win), uids[5:13])
	}
	if rest := f.list(mb, store.ListOptions{MinUID: uids[22] + 1}); len(rest) != 0 {
		f.t.Errorf("List past the last UID gave %d messages", len(rest))
	}
	stop := errors.New("stop listing")
	if err := mb.List(f.ctx, store.ListOptions{BatchSize: 5}, func([]store.Message) error { return stop }); !errors.Is(err, stop) {
		f.t.Errorf("List returned %v, want the callback's error", err)
	}
}

// testFind: messages are found by Message-ID, narrowed by size, MinUID and
// INTERNALDATE; no match is an empty result, not an error.
func testFind(f *fixture) {
	mb := f.open("INBOX")
	a := mail("find-dup", "first copy\r\n")
	b := mail("find-dup", "second, longer copy\r\n")
	other := mail("find-other", "x\r\n")
	dateA, dateB := baseDate, baseDate.Add(time.Hour)
	ua := f.append(mb, a, nil, dateA)
	ub := f.append(mb, b, nil, dateB)
	f.append(mb, other, nil, dateA)
	find := func(q store.Query) []store.UID {
		f.t.Helper()
		ms, err := mb.Find(f.ctx, q)
		if err != nil {
			f.t.Fatalf("Find(%+v): %v", q, err)
		}
		return uidsOf(ms)
	}
	cases := []struct {
		q    store.Query
		want []store.UID
	}{
		{store.Query{MessageID: msgID("find-dup")}, []store.UID{ua, ub}},
		{store.Query{MessageID: "<" + msgID("find-dup") + ">"}, []store.UID{ua, ub}},
		{store.Query{MessageID: msgID("find-dup"), Size: int64(len(b))}, []store.UID{ub}},
		{store.Query{Size: int64(len(a))}, []store.UID{ua}},
		{store.Query{MessageID: msgID("find-dup"), MinUID: ub}, []store.UID{ub}},
		{store.Query{MessageID: msgID("find-dup"), InternalDate: dateA}, []store.UID{ua}},
		{store.Query{MessageID: msgID("nowhere")}, nil},
	}
	for _, c := range cases {
		if got := find(c.q); fmt.Sprint(got) != fmt.Sprint(c.want) {
			f.t.Errorf("Find(%+v) = %v, want %v", c.q, got, c.want)
		}
	}
}
