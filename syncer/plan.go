package syncer

import (
	"time"

	"github.com/imapdir/imapdir/store"
)

// Delta is what changed on one side of a mailbox pair since the last sync,
// in one shape whether it came from the store's Changes or from a full
// listing merged against the pairs (see MergeListing).
type Delta struct {
	// New holds messages that no pair knows on this side, ascending UID.
	New []store.Message
	// Changed holds paired messages whose flags (or labels) may differ from
	// the agreed ones, with their current metadata.
	Changed []store.Message
	// Vanished holds UIDs of paired messages that are gone from this side.
	Vanished []store.UID
}

// Len returns the number of entries in d.
func (d *Delta) Len() int { return len(d.New) + len(d.Changed) + len(d.Vanished) }

// MailboxInput is everything the planner sees of one mailbox pair.
type MailboxInput struct {
	// Delta holds each side's changes (index Far, Near).
	Delta [2]Delta
	// Pairs holds (at least) every pair that a Changed or Vanished entry
	// of either delta refers to.
	Pairs []Pair
	// PairCount is the number of pairs of the mailbox, the deletion
	// guard's base.
	PairCount int
	// Keywords[s] says whether side s keeps keywords.
	Keywords [2]bool
	// Labels[s] says whether side s keeps labels (Features.GmailLabels).
	Labels [2]bool
	// Moves, when set, lets the planner hand back messages moved between
	// synchronized mailboxes (Plan.MovesOut, Plan.MovesIn).
	Moves *MoveInput
	// Now is the time max-age limits count from.
	Now time.Time
}

// Copy is a new message to copy from side From to the other side.
type Copy struct {
	From Side
	Msg  store.Message
}

// Skip is a new message left out, with the reason.
type Skip struct {
	From   Side
	UID    store.UID
	Size   int64
	Reason string
}

// Reasons a new message is skipped.
const (
	SkipTooLarge = "larger than max size"
	SkipTooOld   = "older than max age"
	SkipDeleted  = "marked \\Deleted"
)

// PairUpdate is what happens to one pair: flag updates and expunges per
// side, then the state change from Old to New (or Delete).
type PairUpdate struct {
	// Old is the pair as recorded; Old.ID is 0 for a pair being created by
	// adoption (a new message found on both sides), whose Old holds only
	// the UIDs.
	Old Pair
	// New is the pair to record once the side effects are done.
	New Pair
	// Delete removes the pair from the state instead of recording New.
	Delete bool
	// Add and Remove are flag updates per side.
	Add, Remove [2]store.Flags
	// AddLabels and RemoveLabels are label updates per side.
	AddLabels, RemoveLabels [2][]string
	// Expunge asks to expunge the message on a side.
	Expunge [2]bool
}

// HasEffect reports whether u changes a store (not only the state).
func (u *PairUpdate) HasEffect() bool {
	for s := Far; s <= Near; s++ {
		if u.Expunge[s] || u.changes(s) {
			return true
		}
	}
	return false
}

// changes reports whether u changes flags or labels on side s.
func (u *PairUpdate) changes(s Side) bool {
	return len(u.Add[s])+len(u.Remove[s])+len(u.AddLabels[s])+len(u.RemoveLabels[s]) > 0
}

// Held describes deletions the guard held back.
type Held struct {
	// Count is the number of deletions held back per side.
	Count [2]int
	// Base is the pair count the share was computed on.
	Base   int
	Reason string
}

// Plan is the list of operations for one mailbox pair.
type Plan struct {
	// Copies are new messages to copy, far ones first, ascending UID.
	Copies []Copy
	// Updates are the per-pair flag updates, expunges and state changes.
	Updates []PairUpdate
	// Skipped lists new messages left out by the limits.
	Skipped []Skip
	// Held is set when the deletion guard held deletions back; the
	// updates that would have expunged are then not in Updates.
	Held *Held
	// MovesOut and MovesIn are the messages moved between synchronized
	// mailboxes, for the account's move ledger (taken out of the deltas:
	// neither deleted nor copied by this plan).
	MovesOut []MoveOut
	MovesIn  []MoveIn
}

// Empty reports whether the plan has nothing to do.
func (p *Plan) Empty() bool { return len(p.Copies) == 0 && len(p.Updates) == 0 }

// Counts returns the plan's store operations: copies, flag updates and
// expunges, per target side.
func (p *Plan) Counts() (copies, flags, expunges [2]int) {
	for _, c := range p.Copies {
		copies[c.From.Other()]++
	}
	for _, u := range p.Updates {
		for s := Far; s <= Near; s++ {
			if u.Expunge[s] {
				expunges[s]++
			} else if u.changes(s) {
				flags[s]++
			}
		}
	}
	return
}
