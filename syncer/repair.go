package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// RePairResult is the outcome of RePair.
type RePairResult struct {
	// NewUID holds the new UID per pair index (0: the message was not
	// found again; the pair keeps only its other side).
	NewUID []store.UID
	// Matched counts the pairs found again.
	Matched int
	// Refused, when not empty, says why the re-pairing cannot be trusted;
	// nothing may then be changed.
	Refused string
}

// RePair matches the pairs that have a UID on side s with the messages a
// fresh listing of s shows (after a UIDVALIDITY change). Its rule, which
// a user can check by hand:
//
//   - A pair is matched to a listed message only when the two have the
//     same stable id (EMAILID / X-GM-MSGID, far side only: a pair records
//     the far side's) or the same identity (store.Identity: Message-ID and
//     size, or header hash and size). Nothing else justifies a pair.
//   - Copies of one identity (the same message kept twice) are matched in
//     UID order when the pairs agree on flags and labels (then which is
//     which makes no difference); otherwise flags could be swapped, and
//     the re-pairing is refused.
//   - It is refused when a pair not found again and a listed message left
//     unmatched carry the same Message-ID or header hash with other sizes
//     (the server changed the message: copying it would make a duplicate),
//     or when pairs that have no identity at all (recorded without
//     Message-ID or header hash) remain while listed messages are left
//     unmatched (they may be those pairs' messages).
//
// Listed messages left unmatched are new (copied to the other side);
// pairs not found again keep their other side only, so nothing is deleted
// because of the reset and nothing is downloaded twice. It is pure.
func RePair(pairs []Pair, s Side, listing []store.Message) RePairResult {
	res := RePairResult{NewUID: make([]store.UID, len(pairs))}
	used := make([]bool, len(listing))
	matched := make([]bool, len(pairs))
	match := func(i, j int) {
		res.NewUID[i], used[j], matched[i] = listing[j].UID, true, true
		res.Matched++
	}
	if s == Far { // a pair's EmailID is the far side's
		byEmail := map[string][]int{}
		for j, m := range listing {
			if m.EmailID != "" {
				byEmail[m.EmailID] = append(byEmail[m.EmailID], j)
			}
		}
		for i, p := range pairs {
			if c := byEmail[p.EmailID]; p.EmailID != "" && len(c) == 1 && !used[c[0]] {
				match(i, c[0])
			}
		}
	}
	byID := map[store.Identity][2][]int{} // pair indexes, listing indexes
	for i := range pairs {
		if id := pairs[i].identity(); !matched[i] && id.Known() {
			g := byID[id]
			g[0] = append(g[0], i)
			byID[id] = g
		}
	}
	for j, m := range listing {
		if id := store.IdentityOf(m); !used[j] && id.Known() {
			g := byID[id]
			g[1] = append(g[1], j)
			byID[id] = g
		}
	}
	for id, g := range byID {
		if len(g[0]) == 0 || len(g[1]) == 0 {
			continue
		}
		if len(g[0]) > 1 && !sameFlags(pairs, g[0]) {
			res.Refused = fmt.Sprintf("%d known copies of message %s (size %d) carry different flags: "+
				"which is which cannot be told", len(g[0]), idText(id), id.Size)
			return res
		}
		slices.SortFunc(g[0], func(a, b int) int { return int(pairs[a].UID[s]) - int(pairs[b].UID[s]) })
		slices.SortFunc(g[1], func(a, b int) int { return int(listing[a].UID) - int(listing[b].UID) })
		for k := 0; k < min(len(g[0]), len(g[1])); k++ {
			match(g[0][k], g[1][k])
		}
	}
	res.Refused = rePairDoubt(pairs, matched, listing, used)
	return res
}

// rePairDoubt says why unmatched pairs and unmatched listed messages may
// be the same messages after all, or "".
func rePairDoubt(pairs []Pair, matched []bool, listing []store.Message, used []bool) string {
	keys := map[string]bool{}
	blind := 0
	for i := range pairs {
		if matched[i] {
			continue
		}
		if id := pairs[i].identity(); id.Known() {
			keys[id.Key] = true
		} else if pairs[i].EmailID == "" {
			blind++
		}
	}
	left := 0
	for j, m := range listing {
		if used[j] {
			continue
		}
		left++
		if id := store.IdentityOf(m); keys[id.Key] {
			return fmt.Sprintf("message %s is known with another size (now %d): the server changed it", idText(id), id.Size)
		}
	}
	if blind > 0 && left > 0 {
		return fmt.Sprintf("%d known messages have neither Message-ID nor header hash and %d listed messages are not matched: "+
			"they cannot be told apart", blind, left)
	}
	return ""
}

// sameFlags reports whether the pairs at idx agree on flags and labels.
func sameFlags(pairs []Pair, idx []int) bool {
	first := pairs[idx[0]]
	for _, i := range idx[1:] {
		if !pairs[i].Flags.Equal(first.Flags) || !slices.Equal(pairs[i].Labels, first.Labels) {
			return false
		}
	}
	return true
}

// idText names an identity in a message to the user.
func idText(id store.Identity) string {
	if k, ok := strings.CutPrefix(id.Key, "id "); ok {
		return "<" + k + ">"
	}
	return "with header hash " + strings.TrimPrefix(id.Key, "hh ")
}

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
	rp := RePair(pairs, s, listing)
	if rp.Refused != "" {
		return r.e.errorf(r.name, "UIDVALIDITY of %s mailbox %q changed from %d to %d and the messages cannot all be "+
			"matched by identity: %s; stopping this mailbox, nothing changed", s, r.names[s], rec, cur, rp.Refused)
	}
	msg := fmt.Sprintf("UIDVALIDITY of %s mailbox %q changed from %d to %d: re-paired %d of %d messages without downloading",
		s, r.names[s], rec, cur, rp.Matched, len(pairs))
	if r.e.opts.DryRun { // plan on the re-paired UIDs, kept in memory (dryrun.go)
		r.e.warn(r.name, "would have: "+msg)
		r.repaired = newDryRepair(s, pairs, rp.NewUID)
		setCheckpoint(&r.row, s, store.Checkpoint{UIDValidity: cur})
		return nil
	}
	if err := r.rewritePairs(ctx, s, pairs, rp.NewUID, cur); err != nil {
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
		setCheckpoint(&m, s, store.Checkpoint{UIDValidity: cur})
		if err := tx.UpdateMailbox(m); err != nil {
			return err
		}
		for i, p := range pairs {
			p.ID, p.UID[s] = 0, newUID[i]
			if p.UID[Far] == 0 && p.UID[Near] == 0 {
				continue
			}
			if err := putPair(tx, r.row.ID, p); err != nil {
				return err
			}
		}
		if err := r.dropIntentsFrom(tx, s); err != nil {
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
