package syncer

import (
	"fmt"

	"github.com/imapdir/imapdir/store"
)

// PlanMailbox is the pure planner: from both sides' deltas and the agreed
// state of the pairs they touch, it decides what to do in one mailbox pair.
// It does no I/O and keeps no state; the same input gives the same plan.
//
// Rules, in the order they are applied:
//
//  0. With in.Moves, messages moved between synchronized mailboxes are
//     taken out of the deltas and handed back in MovesOut and MovesIn
//     (see planMoves and moveLedger). Then, a pair whose message vanished on side S while a new message of the
//     same identity (store.Identity) appeared on S is renumbered: the new
//     message is the pair's message under a new UID (a folder restored by
//     copying its files back, a file renamed by a mail reader, a message
//     expunged and appended again by another client). It is neither
//     copied nor deleted; its flags are merged as a flag change. A new
//     message with store.Message.Replaces (a file edited in place) is
//     never renumbered: it is copied, and the pair it replaces deleted. Copies of
//     one identity are matched in UID order, and only when their pairs
//     agree on flags (else the message stays new and the pair vanished).
//  1. New messages found on both sides with the same identity
//     (store.Identity: Message-ID and size, or, without a Message-ID, header
//     hash and size) are adopted as one pair (no copy); their flags merge as if the
//     agreed set were the flags both have (so a flag on either side is
//     set on both). This is what keeps a first sync over an existing
//     Maildir from duplicating every message.
//  2. Every other new message on side S is copied to the other side when
//     Sync allows New from S, unless it is larger than MaxSize, older than
//     MaxAge, or marked \Deleted (then it is reported as skipped and left
//     unpaired, so a later run with other limits can take it). A skipped
//     message with store.Message.Replaces (an edit the limits keep back)
//     does not make the message it replaces a deletion: that pair becomes
//     one-sided, and the other side keeps its copy of the old text.
//  3. A pair whose message vanished on both sides is forgotten.
//  4. A pair whose message vanished on side S only (a deletion on S):
//     when Sync forbids Gone from S, the other side's copy stays and the
//     pair becomes one-sided; when the other side is in the expunge set,
//     its copy is expunged and the pair forgotten; otherwise \Deleted is
//     set on the other copy and the pair becomes one-sided.
//  5. A pair present on both sides has its flags merged by MergeFlags.
//     Where the merged flags hold \Deleted on a side the expunge set
//     includes, that copy is expunged instead of updated; the pair is
//     forgotten when both copies go, one-sided when one does.
//  6. A one-sided pair only follows its remaining copy: its agreed flags
//     track it, and the pair is forgotten when the copy vanishes.
//  7. Deletion guard: when the expunges planned on one side exceed both
//     DeleteGuardPercent % of PairCount and DeleteGuardCount, and Force is
//     off, every update that expunges is taken out of the plan and Held
//     says why; the rest of the plan stands.
//
// The executor then runs the plan in this order: copies (intent committed
// first, bodies streamed, flushed and resolved in batches), flag updates
// (grouped by identical change), expunges, and finally the checkpoint.
func PlanMailbox(in MailboxInput, opts PlanOptions) Plan {
	var p Plan
	in, p.MovesOut, p.MovesIn = planMoves(in)
	in, renumbered := renumber(in)
	idx := indexPairs(in.Pairs)
	newF, newN, adopted := adopt(in.Delta[Far].New, in.Delta[Near].New, in, opts)
	p.Updates = append(p.Updates, adopted...)
	var keep [2]map[store.UID]bool
	keep[Far] = p.planNew(Far, newF, in, opts)
	keep[Near] = p.planNew(Near, newN, in, opts)
	for _, pr := range touchedPairs(in, idx) {
		for s := Far; s <= Near; s++ {
			pr.keep[s.Other()] = pr.vanished[s] && keep[s][pr.pair.UID[s]]
		}
		if u, ok := planPair(pr, in, opts); ok {
			p.Updates = append(p.Updates, u)
		} else if renumbered[pr.pair.ID] {
			p.Updates = append(p.Updates, PairUpdate{Old: *pr.pair, New: *pr.pair})
		}
	}
	p.guard(in.PairCount, opts)
	return p
}

// pairIndex finds pairs by side and UID.
type pairIndex [2]map[store.UID]*Pair

func indexPairs(pairs []Pair) pairIndex {
	idx := pairIndex{make(map[store.UID]*Pair, len(pairs)), make(map[store.UID]*Pair, len(pairs))}
	for i := range pairs {
		for s := Far; s <= Near; s++ {
			if u := pairs[i].UID[s]; u != 0 {
				idx[s][u] = &pairs[i]
			}
		}
	}
	return idx
}

// pairState is one pair with what each side's delta says about it.
type pairState struct {
	pair     *Pair
	vanished [2]bool
	cur      [2]*store.Message
	// keep[s]: side s keeps its copy although the message vanished on the
	// other side (replaced there by an edit that the limits skipped).
	keep [2]bool
}

// touchedPairs collects the pairs the deltas refer to, in the deltas'
// order (far first), each once.
func touchedPairs(in MailboxInput, idx pairIndex) []*pairState {
	var order []*pairState
	by := map[*Pair]*pairState{}
	get := func(p *Pair) *pairState {
		st := by[p]
		if st == nil {
			st = &pairState{pair: p}
			by[p] = st
			order = append(order, st)
		}
		return st
	}
	for s := Far; s <= Near; s++ {
		d := &in.Delta[s]
		for i := range d.Changed {
			if p := idx[s][d.Changed[i].UID]; p != nil {
				get(p).cur[s] = &d.Changed[i]
			}
		}
		for _, u := range d.Vanished {
			if p := idx[s][u]; p != nil {
				get(p).vanished[s] = true
			}
		}
	}
	return order
}

// planNew applies rule 2 to the new messages of side s. It returns the
// UIDs that skipped messages replace (store.Message.Replaces).
func (p *Plan) planNew(s Side, msgs []store.Message, in MailboxInput, opts PlanOptions) (keep map[store.UID]bool) {
	if !opts.Sync.allows(s, SyncNew) {
		return nil
	}
	for _, m := range msgs {
		if r := skipReason(m, in, opts); r != "" {
			p.Skipped = append(p.Skipped, Skip{From: s, UID: m.UID, Size: m.Size, Reason: r})
			if m.Replaces != 0 {
				if keep == nil {
					keep = map[store.UID]bool{}
				}
				keep[m.Replaces] = true
			}
			continue
		}
		p.Copies = append(p.Copies, Copy{From: s, Msg: m})
	}
	return keep
}

// skipReason says why m must not be copied, or "".
func skipReason(m store.Message, in MailboxInput, opts PlanOptions) string {
	switch {
	case opts.MaxSize > 0 && m.Size > opts.MaxSize:
		return SkipTooLarge
	case opts.MaxAge > 0 && !m.InternalDate.IsZero() && m.InternalDate.Before(in.Now.Add(-opts.MaxAge)):
		return SkipTooOld
	case m.Flags.Has(store.Deleted):
		return SkipDeleted
	}
	return ""
}

// planPair applies rules 3–6 to one pair. ok is false when nothing changes.
func planPair(st *pairState, in MailboxInput, opts PlanOptions) (PairUpdate, bool) {
	old := *st.pair
	u := PairUpdate{Old: old, New: old}
	if old.OneSided() {
		return planOneSided(st, u)
	}
	switch {
	case st.vanished[Far] && st.vanished[Near]:
		u.Delete = true
		return u, true
	case st.vanished[Far]:
		return planGone(st, u, Far, opts)
	case st.vanished[Near]:
		return planGone(st, u, Near, opts)
	}
	return planFlags(st, u, in, opts)
}

// planOneSided applies rule 6.
func planOneSided(st *pairState, u PairUpdate) (PairUpdate, bool) {
	s := Far
	if u.Old.UID[Far] == 0 {
		s = Near
	}
	if st.vanished[s] {
		u.Delete = true
		return u, true
	}
	if c := st.cur[s]; c != nil && !c.Flags.Equal(u.Old.Flags) {
		u.New.Flags = c.Flags
		return u, true
	}
	return u, false
}

// planGone applies rule 4: the message vanished on side s. ok is false
// when deletions from s may not flow under this run's settings (sync
// --pull, --push, a kind restriction): the pair is left as it is, both
// UIDs kept, so that the next run allowing them sees the vanished UID
// again and carries the deletion — a pair made one-sided here would hide
// it from every later run, --full included.
func planGone(st *pairState, u PairUpdate, s Side, opts PlanOptions) (PairUpdate, bool) {
	if !opts.Sync.allows(s, SyncGone) {
		return u, false
	}
	o := s.Other()
	cur := u.Old.Flags
	if c := st.cur[o]; c != nil {
		cur = c.Flags
	}
	u.New.UID[s] = 0
	u.New.Flags = cur
	switch {
	case st.keep[o]:
	case opts.Expunge.On(o):
		u.Expunge[o] = true
		u.Delete = true
	case !cur.Has(store.Deleted):
		u.Add[o] = store.NewFlags(store.Deleted)
		u.New.Flags = cur.Union(u.Add[o])
	}
	return u, true
}

// planFlags applies rule 5.
func planFlags(st *pairState, u PairUpdate, in MailboxInput, opts PlanOptions) (PairUpdate, bool) {
	mi := MergeInput{Agreed: u.Old.Flags, Keywords: in.Keywords, Sync: opts.Sync}
	for s := Far; s <= Near; s++ {
		if c := st.cur[s]; c != nil {
			mi.Cur[s], mi.Known[s] = c.Flags, true
		}
	}
	m := MergeFlags(mi)
	u.New.Flags = m.Agreed
	u.Add, u.Remove = m.Add, m.Remove
	relabeled := planLabels(&u, st.cur, in.Labels, opts.Sync)
	applyDeletedExpunge(&u, mi, opts)
	changed := u.HasEffect() || !m.Agreed.Equal(u.Old.Flags) || u.Delete || relabeled
	return u, changed
}

// applyDeletedExpunge turns updates that leave \Deleted on a side where
// the engine may expunge into expunges (rule 5, second half).
func applyDeletedExpunge(u *PairUpdate, mi MergeInput, opts PlanOptions) {
	n := 0
	for s := Far; s <= Near; s++ {
		target := mi.Cur[s]
		if !mi.Known[s] {
			target = mi.Agreed
		}
		target = target.Union(u.Add[s]).Minus(u.Remove[s])
		if target.Has(store.Deleted) && opts.Expunge.On(s) && opts.Sync.allows(s.Other(), SyncGone) {
			u.Expunge[s] = true
			u.Add[s], u.Remove[s] = nil, nil
			u.AddLabels[s], u.RemoveLabels[s] = nil, nil
			u.New.UID[s] = 0
			n++
		}
	}
	if n == 2 {
		u.Delete = true
	}
}

// adopt applies rule 1: it pairs new messages of both sides that have the
// same identity (store.Identity: Message-ID and size, or header hash and
// size), and returns the rest. Copies of one identity pair in UID order.
func adopt(far, near []store.Message, in MailboxInput, opts PlanOptions) (restF, restN []store.Message, ups []PairUpdate) {
	if len(far) == 0 || len(near) == 0 {
		return far, near, nil
	}
	byID := map[store.Identity][]int{}
	for i, m := range near {
		if id := store.IdentityOf(m); id.Known() {
			byID[id] = append(byID[id], i)
		}
	}
	used := make([]bool, len(near))
	for _, f := range far {
		id := store.IdentityOf(f)
		cands := byID[id]
		if !id.Known() || len(cands) == 0 {
			restF = append(restF, f)
			continue
		}
		j := cands[0]
		byID[id] = cands[1:]
		used[j] = true
		ups = append(ups, adoptPair(f, near[j], in, opts))
	}
	for i, m := range near {
		if !used[i] {
			restN = append(restN, m)
		}
	}
	return restF, restN, ups
}

// adoptPair builds the update creating a pair of two matching new messages.
// Labels found on either side are kept: the agreed set starts as the
// labels both have.
func adoptPair(f, n store.Message, in MailboxInput, opts PlanOptions) PairUpdate {
	common := f.Flags.Minus(f.Flags.Minus(n.Flags))
	m := MergeFlags(MergeInput{
		Agreed: common, Cur: [2]store.Flags{f.Flags, n.Flags},
		Known: [2]bool{true, true}, Keywords: in.Keywords, Sync: opts.Sync,
	})
	p := Pair{
		UID: [2]store.UID{f.UID, n.UID}, Flags: m.Agreed, Size: f.Size,
		InternalDate: f.InternalDate, MessageID: f.MessageID, EmailID: f.EmailID, HeaderHash: f.HeaderHash,
	}
	fl, nl := labelFlags(f.Labels), labelFlags(n.Labels)
	u := PairUpdate{Old: Pair{UID: p.UID, Labels: flagLabels(fl.Minus(fl.Minus(nl)))}, New: p, Add: m.Add, Remove: m.Remove}
	planLabels(&u, [2]*store.Message{&f, &n}, in.Labels, opts.Sync)
	u.Old.Labels = nil
	return u
}

// guard applies rule 7.
func (p *Plan) guard(base int, opts PlanOptions) {
	p.holdIf(base, [2]int{}, opts)
}

// holdIf takes the expunging updates out of p when, added to done
// deletions already carried out per side, they exceed the guard's share of
// base and its count (and Force is off).
func (p *Plan) holdIf(base int, done [2]int, opts PlanOptions) {
	if opts.Force {
		return
	}
	var n [2]int
	for _, u := range p.Updates {
		for s := Far; s <= Near; s++ {
			if u.Expunge[s] {
				n[s]++
			}
		}
	}
	if !guardTrips(n[Far]+done[Far], base, opts) && !guardTrips(n[Near]+done[Near], base, opts) {
		return
	}
	kept := p.Updates[:0]
	for _, u := range p.Updates {
		if !u.Expunge[Far] && !u.Expunge[Near] {
			kept = append(kept, u)
		}
	}
	p.Updates = kept
	p.Held = &Held{Count: n, Base: base, Reason: fmt.Sprintf(
		"would delete %d far and %d near of %d messages (more than %d%% and more than %d); run with --force to carry them out",
		n[Far]+done[Far], n[Near]+done[Near], base, opts.DeleteGuardPercent, opts.DeleteGuardCount)}
}

// guardTrips reports whether c deletions out of base messages trip the
// deletion guard: more than DeleteGuardCount and more than
// DeleteGuardPercent % of base.
func guardTrips(c, base int, opts PlanOptions) bool {
	return c > opts.DeleteGuardCount && c*100 > opts.DeleteGuardPercent*base
}
