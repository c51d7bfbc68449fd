package syncer

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Re-pairing after a UIDVALIDITY change accepts when at least
// RepairMinMatches pairs, or RepairMinPercent % of them, were matched
// (isync's rule).
const (
	RepairMinMatches = 20
	RepairMinPercent = 80
)

// RePair matches the pairs that have a UID on side s with the messages a
// fresh listing of s shows, by stable id (EMAILID / X-GM-MSGID, far side
// only: a pair records the far side's) first,
// then Message-ID and size, then — for pairs without a Message-ID — size
// and INTERNALDATE to the second. Each listed message matches at most one
// pair. It returns the new UID per pair index (0: no match) and the count
// of matches. It is pure.
func RePair(pairs []Pair, s Side, listing []store.Message) (newUID []store.UID, matched int) {
	type idKey struct {
		id   string
		size int64
	}
	type dateKey struct {
		size int64
		date int64
	}
	byEmail := map[string][]int{}
	byMsgID := map[idKey][]int{}
	byDate := map[dateKey][]int{}
	for i, m := range listing {
		if m.EmailID != "" {
			byEmail[m.EmailID] = append(byEmail[m.EmailID], i)
		}
		if m.MessageID != "" {
			k := idKey{m.MessageID, m.Size}
			byMsgID[k] = append(byMsgID[k], i)
		} else if !m.InternalDate.IsZero() {
			k := dateKey{m.Size, m.InternalDate.Unix()}
			byDate[k] = append(byDate[k], i)
		}
	}
	used := make([]bool, len(listing))
	take := func(cands []int) int {
		for _, c := range cands {
			if !used[c] {
				used[c] = true
				return c
			}
		}
		return -1
	}
	newUID = make([]store.UID, len(pairs))
	for i, p := range pairs {
		j := -1
		if p.EmailID != "" && s == Far { // a pair's EmailID is the far side's
			j = take(byEmail[p.EmailID])
		}
		if j < 0 && p.MessageID != "" {
			j = take(byMsgID[idKey{p.MessageID, p.Size}])
		}
		if j < 0 && p.MessageID == "" && !p.InternalDate.IsZero() {
			j = take(byDate[dateKey{p.Size, p.InternalDate.Unix()}])
		}
		if j >= 0 {
			newUID[i] = listing[j].UID
			matched++
		}
	}
	return newUID, matched
}

// RePairAccepted applies isync's rule to matched of total pairs.
func RePairAccepted(matched, total int) bool {
	return total == 0 || matched >= RepairMinMatches || matched*100 >= RepairMinPercent*total
}

// errDryRunStop ends a mailbox's dry run early without failing it: what
// follows cannot be planned without writing the state first.
var errDryRunStop = errors.New("dry run stops here")

// repair handles a UIDVALIDITY change on side s (from rec to cur): it
// re-pairs by content without fetching any body, rewrites the pairs' UIDs
// on that side (pairs whose message was not found keep only their other
// side, so nothing is deleted because of the reset; listed messages left
// unmatched are new and get copied), drops intents whose source UIDs are
// void, and resets that side's checkpoint so the scan lists it in full.
// When too few pairs match it stops the mailbox and changes nothing.
func (r *mailboxRun) repair(ctx context.Context, s Side, rec, cur uint32) error {
	pairs, err := r.sidePairs(ctx, s)
	if err != nil {
		return err
	}
	var listing []store.Message
	err = r.box[s].List(ctx, store.ListOptions{WithMessageID: true}, func(ms []store.Message) error {
		for _, m := range ms {
			listing = append(listing, copyMessage(m))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list %s mailbox %q to re-pair: %w", s, r.names[s], err)
	}
	newUID, matched := RePair(pairs, s, listing)
	if !RePairAccepted(matched, len(pairs)) {
		return r.e.errorf(r.name, "UIDVALIDITY of %s mailbox %q changed from %d to %d and only %d of %d known messages "+
			"were found again (need %d, or %d%%): stopping this mailbox, nothing changed",
			s, r.names[s], rec, cur, matched, len(pairs), RepairMinMatches, RepairMinPercent)
	}
	msg := fmt.Sprintf("UIDVALIDITY of %s mailbox %q changed from %d to %d: re-paired %d of %d messages without downloading",
		s, r.names[s], rec, cur, matched, len(pairs))
	if r.e.opts.DryRun {
		r.e.warn(r.name, "would have: "+msg+"; nothing else planned for this mailbox in a dry run")
		return errDryRunStop
	}
	if err := r.rewritePairs(ctx, s, pairs, newUID, cur); err != nil {
		return err
	}
	r.e.warn(r.name, msg)
	return nil
}

// sidePairs loads the pairs that have a UID on side s.
func (r *mailboxRun) sidePairs(ctx context.Context, s Side) ([]Pair, error) {
	var out []Pair
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		out = out[:0]
		return tx.IteratePairs(r.row.ID, func(p statedb.Pair) error {
			if q := fromDB(p); q.UID[s] != 0 {
				out = append(out, q)
			}
			return nil
		})
	})
	return out, err
}

// rewritePairs replaces the side-s UIDs of pairs in one transaction
// (deleting first, then inserting, so old and new UIDs never collide),
// drops the intents sourced on s, and resets s's checkpoint.
func (r *mailboxRun) rewritePairs(ctx context.Context, s Side, pairs []Pair, newUID []store.UID, cur uint32) error {
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		for _, p := range pairs {
			if err := tx.DeletePair(statedb.PairID(p.ID)); err != nil {
				return err
			}
		}
		m, _, err := tx.Mailbox(r.row.ID)
		if err != nil {
			return err
		}
		if err := setCheckpoint(tx, &m, s, store.Checkpoint{UIDValidity: cur}); err != nil {
			return err
		}
		if err := tx.UpdateMailbox(m); err != nil {
			return err
		}
		var bump uidBump
		for i, p := range pairs {
			p.ID, p.UID[s] = 0, newUID[i]
			if p.UID[Far] == 0 && p.UID[Near] == 0 {
				continue
			}
			if err := putPair(tx, r.row.ID, p, &bump); err != nil {
				return err
			}
		}
		if err := r.dropIntentsFrom(tx, s); err != nil {
			return err
		}
		if err := bump.apply(tx, r.row.ID); err != nil {
			return err
		}
		r.row, _, err = tx.Mailbox(r.row.ID)
		return err
	})
}

// dropIntentsFrom drops this mailbox's intents whose source is side s.
func (r *mailboxRun) dropIntentsFrom(tx *statedb.Tx, s Side) error {
	intents, err := tx.PendingIntents(r.row.ID)
	if err != nil {
		return err
	}
	for _, in := range intents {
		if in.Mailbox == r.row.ID && sideOf(in.Source) == s {
			if err := tx.DropIntent(in.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
