package syncer

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

func msg(uid store.UID, flags string) store.Message {
	return store.Message{UID: uid, Flags: fl(flags), Size: 100, MessageID: fmt.Sprintf("m%d@x", uid)}
}

func noID(uid store.UID, size int64) store.Message {
	return store.Message{UID: uid, Size: size, InternalDate: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func hashed(m store.Message, h string) store.Message {
	m.HeaderHash = h
	return m
}

func pair(far, near store.UID, flags string) Pair {
	return Pair{ID: int64(far)*1000 + int64(near), UID: [2]store.UID{far, near}, Flags: fl(flags)}
}

// describe renders a plan compactly for table assertions.
func describe(p Plan) string {
	var parts []string
	for _, c := range p.Copies {
		parts = append(parts, fmt.Sprintf("copy %s:%d", c.From, c.Msg.UID))
	}
	for _, s := range p.Skipped {
		parts = append(parts, fmt.Sprintf("skip %s:%d", s.From, s.UID))
	}
	for _, u := range p.Updates {
		var b strings.Builder
		fmt.Fprintf(&b, "pair %d/%d", u.Old.UID[Far], u.Old.UID[Near])
		for s := Far; s <= Near; s++ {
			if u.Expunge[s] {
				fmt.Fprintf(&b, " expunge-%s", s)
			}
			if len(u.Add[s]) > 0 {
				fmt.Fprintf(&b, " +%s[%s]", s, u.Add[s])
			}
			if len(u.Remove[s]) > 0 {
				fmt.Fprintf(&b, " -%s[%s]", s, u.Remove[s])
			}
		}
		if u.Delete {
			b.WriteString(" delete")
		} else {
			fmt.Fprintf(&b, " => %d/%d [%s]", u.New.UID[Far], u.New.UID[Near], u.New.Flags)
		}
		parts = append(parts, b.String())
	}
	if p.Held != nil {
		parts = append(parts, fmt.Sprintf("held %d/%d", p.Held.Count[Far], p.Held.Count[Near]))
	}
	return strings.Join(parts, "; ")
}

func TestPlanMailbox(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	def := DefaultPlanOptions()
	with := func(f func(*PlanOptions)) PlanOptions { o := def; f(&o); return o }
	big := msg(5, "")
	big.Size = 5000
	old := msg(6, "")
	old.InternalDate = now.Add(-48 * time.Hour)
	adoptN := msg(9, `\Flagged`)
	adoptN.MessageID = "m3@x"
	cases := []struct {
		name  string
		far   Delta
		near  Delta
		pairs []Pair
		opts  PlanOptions
		want  string
	}{
		{name: "nothing", want: ""},
		{name: "new far", far: Delta{New: []store.Message{msg(3, `\Seen`)}}, want: "copy far:3"},
		{name: "new near", near: Delta{New: []store.Message{msg(4, ``)}}, want: "copy near:4"},
		{name: "new far, pull new off", far: Delta{New: []store.Message{msg(3, ``)}},
			opts: with(func(o *PlanOptions) { o.Sync.Pull = SyncFlags | SyncGone }), want: ""},
		{name: "too large", far: Delta{New: []store.Message{big}},
			opts: with(func(o *PlanOptions) { o.MaxSize = 1000 }), want: "skip far:5"},
		{name: "too old", near: Delta{New: []store.Message{old}},
			opts: with(func(o *PlanOptions) { o.MaxAge = 24 * time.Hour }), want: "skip near:6"},
		{name: "new marked deleted", far: Delta{New: []store.Message{msg(7, `\Deleted`)}}, want: "skip far:7"},
		{name: "adopt same message on both sides", far: Delta{New: []store.Message{msg(3, `\Seen`)}},
			near: Delta{New: []store.Message{adoptN}}, want: `pair 3/9 +far[\Flagged] +near[\Seen] => 3/9 [\Flagged \Seen]`},
		{name: "adopt without Message-ID by header hash", far: Delta{New: []store.Message{hashed(noID(3, 40), "h")}},
			near: Delta{New: []store.Message{hashed(noID(8, 40), "h")}}, want: `pair 3/8 => 3/8 []`},
		{name: "no adoption by size and date alone", far: Delta{New: []store.Message{noID(3, 40)}},
			near: Delta{New: []store.Message{noID(8, 40)}}, want: "copy far:3; copy near:8"},
		{name: "no adoption of other header hashes", far: Delta{New: []store.Message{hashed(noID(3, 40), "h")}},
			near: Delta{New: []store.Message{hashed(noID(8, 40), "g")}}, want: "copy far:3; copy near:8"},
		{name: "far flag change", far: Delta{Changed: []store.Message{msg(1, `\Seen`)}},
			pairs: []Pair{pair(1, 11, ``)}, want: `pair 1/11 +near[\Seen] => 1/11 [\Seen]`},
		{name: "near flag change", near: Delta{Changed: []store.Message{msg(11, `\Flagged`)}},
			pairs: []Pair{pair(1, 11, ``)}, want: `pair 1/11 +far[\Flagged] => 1/11 [\Flagged]`},
		{name: "conflicting changes merge", far: Delta{Changed: []store.Message{msg(1, `\Seen \Flagged work`)}},
			near: Delta{Changed: []store.Message{msg(11, ``)}}, pairs: []Pair{pair(1, 11, `\Flagged`)},
			want: `pair 1/11 -far[\Flagged] +near[\Seen work] => 1/11 [\Seen work]`},
		{name: "listed but unchanged", far: Delta{Changed: []store.Message{msg(1, `\Seen`)}},
			pairs: []Pair{pair(1, 11, `\Seen`)}, want: ""},
		{name: "far gone, expunge both", far: Delta{Vanished: []store.UID{1}},
			pairs: []Pair{pair(1, 11, ``)}, want: `pair 1/11 expunge-near delete`},
		{name: "far gone, expunge far only", far: Delta{Vanished: []store.UID{1}}, pairs: []Pair{pair(1, 11, `\Seen`)},
			opts: with(func(o *PlanOptions) { o.Expunge = ExpungeFar }), want: `pair 1/11 +near[\Deleted] => 0/11 [\Deleted \Seen]`},
		{name: "near gone, expunge none", near: Delta{Vanished: []store.UID{11}}, pairs: []Pair{pair(1, 11, ``)},
			opts: with(func(o *PlanOptions) { o.Expunge = ExpungeNone }), want: `pair 1/11 +far[\Deleted] => 1/0 [\Deleted]`},
		// The pair stays whole: a later run that carries deletions must
		// see the vanished UID again.
		{name: "far gone, pull gone off", far: Delta{Vanished: []store.UID{1}}, pairs: []Pair{pair(1, 11, `\Seen`)},
			opts: with(func(o *PlanOptions) { o.Sync.Pull = SyncNew | SyncFlags }), want: ``},
		{name: "near gone, push off", near: Delta{Vanished: []store.UID{11}}, far: Delta{Changed: []store.Message{msg(1, `\Seen`)}},
			pairs: []Pair{pair(1, 11, ``)}, opts: with(func(o *PlanOptions) { o.Sync.Push = 0 }), want: ``},
		{name: "gone on both", far: Delta{Vanished: []store.UID{1}}, near: Delta{Vanished: []store.UID{11}},
			pairs: []Pair{pair(1, 11, ``)}, want: `pair 1/11 delete`},
		{name: "near gone, far changed", near: Delta{Vanished: []store.UID{11}},
			far: Delta{Changed: []store.Message{msg(1, `\Seen`)}}, pairs: []Pair{pair(1, 11, ``)},
			want: `pair 1/11 expunge-far delete`},
		{name: "deleted flag on near, expunge both", near: Delta{Changed: []store.Message{msg(11, `\Deleted`)}},
			pairs: []Pair{pair(1, 11, ``)}, want: `pair 1/11 expunge-far expunge-near delete`},
		{name: "deleted flag on near, expunge near", near: Delta{Changed: []store.Message{msg(11, `\Deleted`)}},
			pairs: []Pair{pair(1, 11, ``)}, opts: with(func(o *PlanOptions) { o.Expunge = ExpungeNear }),
			want: `pair 1/11 +far[\Deleted] expunge-near => 1/0 [\Deleted]`},
		{name: "deleted flag on far, expunge none", far: Delta{Changed: []store.Message{msg(1, `\Deleted`)}},
			pairs: []Pair{pair(1, 11, ``)}, opts: with(func(o *PlanOptions) { o.Expunge = ExpungeNone }),
			want: `pair 1/11 +near[\Deleted] => 1/11 [\Deleted]`},
		{name: "one-sided pair follows its copy", near: Delta{Changed: []store.Message{msg(11, `\Seen`)}},
			pairs: []Pair{pair(0, 11, ``)}, want: `pair 0/11 => 0/11 [\Seen]`},
		{name: "one-sided pair forgotten", near: Delta{Vanished: []store.UID{11}},
			pairs: []Pair{pair(0, 11, ``)}, want: `pair 0/11 delete`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if opts.DeleteGuardCount == 0 {
				opts = def
			}
			in := MailboxInput{Delta: [2]Delta{c.far, c.near}, Pairs: c.pairs, PairCount: 1000,
				Keywords: [2]bool{true, true}, Now: now}
			if got := describe(PlanMailbox(in, opts)); got != c.want {
				t.Errorf("plan:\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestDeletionGuard(t *testing.T) {
	mk := func(n, total int, force bool) Plan {
		in := MailboxInput{PairCount: total, Keywords: [2]bool{true, true}}
		for i := 1; i <= total; i++ {
			in.Pairs = append(in.Pairs, pair(store.UID(i), store.UID(1000+i), ""))
		}
		for i := 1; i <= n; i++ {
			in.Delta[Far].Vanished = append(in.Delta[Far].Vanished, store.UID(i))
		}
		in.Delta[Near].Changed = []store.Message{msg(store.UID(1000+total), `\Seen`)}
		opts := DefaultPlanOptions()
		opts.Force = force
		return PlanMailbox(in, opts)
	}
	cases := []struct {
		n, total int
		force    bool
		held     bool
		updates  int
	}{
		{n: 200, total: 200, held: true, updates: 0},  // emptied INBOX: held
		{n: 51, total: 200, held: true, updates: 1},   // 25.5 % and > 50
		{n: 50, total: 200, held: false, updates: 51}, // 25 % and 50: not more than either
		{n: 30, total: 40, held: false, updates: 31},  // emptying a small Trash is fine
		{n: 60, total: 1000, held: false, updates: 61},
		{n: 200, total: 200, force: true, held: false, updates: 200},
	}
	for _, c := range cases {
		p := mk(c.n, c.total, c.force)
		if (p.Held != nil) != c.held || len(p.Updates) != c.updates {
			t.Errorf("%d of %d force=%v: held=%v updates=%d, want held=%v updates=%d",
				c.n, c.total, c.force, p.Held != nil, len(p.Updates), c.held, c.updates)
		}
		if p.Held != nil && !strings.Contains(p.Held.Reason, "--force") {
			t.Errorf("reason %q does not say how to force", p.Held.Reason)
		}
	}
}

// The move ledger's part of the planner is pure too: moves come in through
// MailboxInput.Moves and go out in Plan.MovesOut/MovesIn, taken out of the
// deletions and copies.
func TestPlanMoves(t *testing.T) {
	p := pair(1, 11, `\Seen`)
	p.EmailID = "E1"
	in := MailboxInput{
		Delta: [2]Delta{
			{Vanished: []store.UID{1}, New: []store.Message{{UID: 5, EmailID: "E9", Size: 3}}},
			{New: []store.Message{{UID: 20, Size: 4, Origin: &store.Origin{Mailbox: "A", UID: 7}}}},
		},
		Pairs:     []Pair{p},
		PairCount: 1,
		Moves: &MoveInput{
			Self:      1,
			Rows:      [2]map[string]statedb.MailboxID{{"INBOX": 1, "A": 2}, {"INBOX": 1, "A": 2}},
			Moved:     [2][]store.Move{{{UID: 1, Dest: "A", DestUID: 30}}},
			Elsewhere: map[string]MoveSource{"E9": {Mailbox: 2, UID: 8}},
		},
	}
	plan := PlanMailbox(in, DefaultPlanOptions())
	if len(plan.Copies)+len(plan.Updates) != 0 {
		t.Errorf("moves planned as copies or updates: %+v", plan)
	}
	if len(plan.MovesOut) != 1 || plan.MovesOut[0].Dest != 2 || plan.MovesOut[0].DestUID != 30 || plan.MovesOut[0].Pair.ID != p.ID {
		t.Errorf("MovesOut = %+v", plan.MovesOut)
	}
	if len(plan.MovesIn) != 2 || plan.MovesIn[0].Side != Near || plan.MovesIn[0].From != (MoveSource{2, 7}) ||
		plan.MovesIn[1].Side != Far || plan.MovesIn[1].From != (MoveSource{2, 8}) {
		t.Errorf("MovesIn = %+v", plan.MovesIn)
	}
	if len(in.Delta[Far].Vanished) != 1 || len(in.Delta[Near].New) != 1 {
		t.Error("PlanMailbox changed its input")
	}
	in.Moves = nil
	if plan := PlanMailbox(in, DefaultPlanOptions()); len(plan.MovesOut)+len(plan.MovesIn) != 0 || len(plan.Copies) != 2 {
		t.Errorf("without Moves: %+v", plan)
	}
}

// Rule 0's renumbering: a vanished pair and a new message of the same
// identity on one side are one message under a new UID.
func TestPlanRenumber(t *testing.T) {
	p := pair(1, 11, `\Seen`)
	p.MessageID, p.Size = "m@x", 40
	in := MailboxInput{
		Delta: [2]Delta{{}, {Vanished: []store.UID{11}, New: []store.Message{
			{UID: 12, MessageID: "m@x", Size: 40, Flags: fl(`\Seen \Flagged`)},
			{UID: 13, MessageID: "other@x", Size: 40},
		}}},
		Pairs: []Pair{p}, PairCount: 1,
	}
	plan := PlanMailbox(in, DefaultPlanOptions())
	if len(plan.Copies) != 1 || plan.Copies[0].Msg.UID != 13 {
		t.Errorf("copies %+v, want only near 13", plan.Copies)
	}
	if len(plan.Updates) != 1 || plan.Updates[0].New.UID != [2]store.UID{1, 12} || plan.Updates[0].Expunge != [2]bool{} ||
		!plan.Updates[0].Add[Far].Has(store.Flagged) {
		t.Errorf("updates %+v, want pair 1/12 with \\Flagged added on far", plan.Updates)
	}
}

// A new message that replaces a vanished one (a file edited in place, with
// the same Message-ID and size) is not renumbered onto the old pair: the
// new content is copied and the old pair's copy deleted.
func TestPlanEditedInPlaceNotRenumbered(t *testing.T) {
	p := pair(1, 11, `\Seen`)
	p.MessageID, p.Size = "m@x", 40
	in := MailboxInput{
		Delta: [2]Delta{{}, {Vanished: []store.UID{11}, New: []store.Message{
			{UID: 12, MessageID: "m@x", Size: 40, Flags: fl(`\Seen`), Replaces: 11},
		}}},
		Pairs: []Pair{p}, PairCount: 1,
	}
	plan := PlanMailbox(in, DefaultPlanOptions())
	if len(plan.Copies) != 1 || plan.Copies[0].Msg.UID != 12 || plan.Copies[0].From != Near {
		t.Errorf("copies %+v, want near 12 copied", plan.Copies)
	}
	if len(plan.Updates) != 1 || plan.Updates[0].Old.UID != [2]store.UID{1, 11} ||
		!(plan.Updates[0].Expunge[Far] || plan.Updates[0].Add[Far].Has(store.Deleted)) {
		t.Errorf("updates %+v, want pair 1/11 deleted on far", plan.Updates)
	}
}
