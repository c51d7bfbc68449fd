package syncer

import (
	"context"
	"fmt"
	"slices"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// execute runs a plan: copies, then flag updates, then expunges, then one
// transaction recording the pairs' new state.
func (r *mailboxRun) execute(ctx context.Context, p Plan) error {
	if err := r.copyAll(ctx, p.Copies); err != nil {
		return err
	}
	return r.applyUpdates(ctx, p.Updates)
}

// applyUpdates carries out the pair updates. Flag updates are grouped by
// identical change (one UpdateFlags per group and side), conditional on
// the side's scanned HIGHESTMODSEQ where the store has CONDSTORE: a message
// changed since the scan is a conflict, left as is and planned again next
// run (the checkpoints are then left where they were, so both sides'
// changes are seen again). Expunges follow, for the updates whose flag updates succeeded. A
// crash before the final transaction is harmless: the next run sees both
// sides already in the target state and only records it.
func (r *mailboxRun) applyUpdates(ctx context.Context, ups []PairUpdate) error {
	if len(ups) == 0 {
		return nil
	}
	ok := make([]bool, len(ups))
	for i, u := range ups {
		ok[i] = !r.replacedUnsent(u)
	}
	for s := Far; s <= Near; s++ {
		if err := r.updateFlags(ctx, s, ups, ok); err != nil {
			return err
		}
	}
	if err := r.noteExpunging(ctx, ups, ok); err != nil {
		return err
	}
	for s := Far; s <= Near; s++ {
		if err := r.expunge(ctx, s, ups, ok); err != nil {
			return err
		}
	}
	r.actUpdates(ups, ok)
	return r.recordUpdates(ctx, ups, ok)
}

// replacedUnsent reports whether u is the update of a pair replaced by an
// edited message that could not be copied: the pair then keeps both
// copies, and the run records no checkpoint, so the next run plans the
// replacement again (new message first, then the deletion).
func (r *mailboxRun) replacedUnsent(u PairUpdate) bool {
	for s := Far; s <= Near; s++ {
		if u.Old.UID[s] != 0 && r.unsent[s][u.Old.UID[s]] {
			r.failed = true
			return true
		}
	}
	return false
}

// flagGroup is a set of messages getting the same flag change.
type flagGroup struct {
	add, remove store.Flags
	uids        []store.UID
	idx         []int
}

// updateFlags runs the flag updates of side s, grouped.
func (r *mailboxRun) updateFlags(ctx context.Context, s Side, ups []PairUpdate, ok []bool) error {
	groups := map[string]*flagGroup{}
	var order []string
	for i, u := range ups {
		if !ok[i] || u.Expunge[s] || len(u.Add[s])+len(u.Remove[s]) == 0 {
			continue
		}
		k := u.Add[s].String() + "\x00" + u.Remove[s].String()
		g := groups[k]
		if g == nil {
			g = &flagGroup{add: u.Add[s], remove: u.Remove[s]}
			groups[k] = g
			order = append(order, k)
		}
		g.uids = append(g.uids, u.Old.UID[s])
		g.idx = append(g.idx, i)
	}
	var since store.ModSeq
	if r.feat[s].CondStore {
		since = r.scan[s].cp.HighestModSeq
	}
	for _, k := range order {
		g := groups[k]
		conflicts, err := r.box[s].UpdateFlags(ctx, store.FlagChange{UIDs: g.uids, Add: g.add, Remove: g.remove, UnchangedSince: since})
		if err != nil {
			if err := r.messageFailed(err, fmt.Sprintf("update flags on %s", s)); err != nil {
				return fmt.Errorf("update flags in %s mailbox %q: %w", s, r.names[s], err)
			}
			markFailed(ok, g.idx)
			continue
		}
		r.rep.Changed[s] += len(g.uids) - len(conflicts)
		r.markConflicts(g, conflicts, ok)
	}
	return nil
}

// markConflicts marks the updates refused by CONDSTORE.
func (r *mailboxRun) markConflicts(g *flagGroup, conflicts []store.UID, ok []bool) {
	if len(conflicts) == 0 {
		return
	}
	r.rep.Conflicts += len(conflicts)
	// The other side's change, not carried over, must be reported again:
	// no checkpoint is recorded this run.
	r.failed = true
	for j, u := range g.uids {
		if slices.Contains(conflicts, u) {
			ok[g.idx[j]] = false
		}
	}
}

func markFailed(ok []bool, idx []int) {
	for _, i := range idx {
		ok[i] = false
	}
}

// expunge removes the messages the updates expunge on side s.
func (r *mailboxRun) expunge(ctx context.Context, s Side, ups []PairUpdate, ok []bool) error {
	var uids []store.UID
	var idx []int
	for i, u := range ups {
		if u.Expunge[s] && ok[i] {
			uids = append(uids, u.Old.UID[s])
			idx = append(idx, i)
		}
	}
	if len(uids) == 0 {
		return nil
	}
	if err := r.box[s].Expunge(ctx, uids); err != nil {
		if err := r.messageFailed(err, fmt.Sprintf("expunge on %s", s)); err != nil {
			return fmt.Errorf("expunge in %s mailbox %q: %w", s, r.names[s], err)
		}
		markFailed(ok, idx)
		return nil
	}
	r.rep.Deleted[s] += len(uids)
	return nil
}

// recordUpdates writes the new state of every update that went through.
func (r *mailboxRun) recordUpdates(ctx context.Context, ups []PairUpdate, ok []bool) error {
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		for i, u := range ups {
			if !ok[i] {
				continue
			}
			if err := r.recordUpdate(tx, u); err != nil {
				return err
			}
		}
		return tx.DeleteMeta(expungingKey(r.row.ID))
	})
}

func (r *mailboxRun) recordUpdate(tx *statedb.Tx, u PairUpdate) error {
	switch {
	case u.Delete && u.Old.ID != 0:
		return tx.DeletePair(statedb.PairID(u.Old.ID))
	case u.Delete:
		return nil
	}
	p := u.New
	p.ID = u.Old.ID
	return putPair(tx, r.row.ID, p)
}
