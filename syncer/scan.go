package syncer

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// sideScan is what the scan of one side found.
type sideScan struct {
	delta Delta
	// pairIDs are the pairs the delta's Changed and Vanished entries refer
	// to (full listing), pairs the same already loaded (Changes path).
	pairIDs []int64
	pairs   []Pair
	// cp is the checkpoint to record once the mailbox is done.
	cp store.Checkpoint
	// recorded is the checkpoint the state held before this run: when cp
	// equals it on both sides, nothing is written (see finish).
	recorded store.Checkpoint
	// full tells that a full listing was used.
	full bool
	// moved lists the moves the store reported out of this mailbox.
	moved []store.Move
	// win, when set, is the rest of a full listing cut into windows
	// (window.go).
	win *uidWindows
}

// scanSide computes the delta of side s of mailbox row m, from the store's
// Changes when the recorded checkpoint is usable, else from a full listing
// merged against the pairs (listingMerge). Either way the planner gets the
// same shape, and work is O(changes) when the store can tell them.
func (r *mailboxRun) scanSide(ctx context.Context, s Side) (sideScan, error) {
	cp, usable, err := r.recordedCheckpoint(ctx, s)
	if err != nil {
		return sideScan{}, err
	}
	sc, err := r.scanFrom(ctx, s, cp, usable)
	sc.recorded = cp
	return sc, err
}

// scanFrom is scanSide from the recorded checkpoint cp.
func (r *mailboxRun) scanFrom(ctx context.Context, s Side, cp store.Checkpoint, usable bool) (sideScan, error) {
	if usable {
		sc, err := r.changes(ctx, s, cp)
		if err == nil || !errors.Is(err, store.ErrCheckpointUnusable) {
			return sc, err
		}
		r.e.note(r.name, fmt.Sprintf("%s checkpoint unusable, full listing: %v", s, err))
	}
	return r.fullListing(ctx, s)
}

// recordedCheckpoint returns side s's checkpoint and whether Changes may
// be asked with it.
func (r *mailboxRun) recordedCheckpoint(ctx context.Context, s Side) (store.Checkpoint, bool, error) {
	cp := checkpointOf(r.row, s)
	ok := !r.e.opts.Full && !r.limitsWiden && r.feat[s].Changes && cp.UIDValidity != 0 &&
		cp.UIDValidity == r.box[s].Status().UIDValidity && (cp.Token != "" || cp.HighestModSeq != 0)
	return cp, ok, nil
}

// changes builds the delta from the store's Changes, looking up the pair
// of every reported UID.
func (r *mailboxRun) changes(ctx context.Context, s Side, since store.Checkpoint) (sideScan, error) {
	var sc sideScan
	req := store.ChangesRequest{Since: since, WithMessageID: true}
	var knownErr error
	if !r.feat[s].QResync {
		// Read the pairs only if the store iterates Known: one that can
		// tell nothing happened since the checkpoint (the Maildir store
		// at an unchanged generation) never does, and a no-change resync
		// then costs nothing in proportion to the mailbox.
		req.Known = func(yield func(store.UID) bool) {
			refs, err := pairRefs(ctx, r.e.db, r.row.ID, s)
			if err != nil {
				knownErr = err
				return
			}
			knownUIDs(refs)(yield)
		}
	}
	cp, err := r.box[s].Changes(ctx, req, func(cs store.ChangeSet) error {
		sc.moved = append(sc.moved, cs.MovedOut...)
		return r.e.db.View(ctx, func(tx *statedb.Tx) error { return r.classify(tx, s, cs, &sc) })
	})
	if err == nil {
		err = knownErr
	}
	sc.cp = cp
	return sc, err
}

// knownUIDs yields the refs' UIDs in ascending order.
func knownUIDs(refs []pairRef) iter.Seq[store.UID] {
	return func(yield func(store.UID) bool) {
		for _, r := range refs {
			if !yield(r.uid) {
				return
			}
		}
	}
}

// classify sorts one ChangeSet into the delta.
func (r *mailboxRun) classify(tx *statedb.Tx, s Side, cs store.ChangeSet, sc *sideScan) error {
	for _, m := range cs.Changed {
		p, ok, err := pairBySide(tx, r.row.ID, s, m.UID)
		switch {
		case err != nil:
			return err
		case !ok:
			sc.delta.New = append(sc.delta.New, m)
		case !m.Flags.Equal(p.Flags) || (r.feat[s].GmailLabels && !labelFlags(m.Labels).Equal(labelFlags(p.Labels))):
			sc.delta.Changed = append(sc.delta.Changed, m)
			sc.pairs = append(sc.pairs, p)
		}
	}
	for _, u := range cs.Vanished {
		p, ok, err := pairBySide(tx, r.row.ID, s, u)
		if err != nil {
			return err
		}
		if ok {
			sc.delta.Vanished = append(sc.delta.Vanished, u)
			sc.pairs = append(sc.pairs, p)
		}
	}
	return nil
}

// fullListing lists side s and merges the listing against the pairs.
// Where the store has Changes, the listing is its Changes from the start
// (a checkpoint with only the UIDVALIDITY), which every store answers with
// all its messages and a real checkpoint (with its private Token) to
// record; otherwise List, and the checkpoint comes from Status.
func (r *mailboxRun) fullListing(ctx context.Context, s Side) (sideScan, error) {
	refs, err := r.pairRefs(ctx, s)
	if err != nil {
		return sideScan{}, err
	}
	if r.windowed(s, len(refs)) {
		return r.firstWindow(ctx, s, refs)
	}
	if r.feat[s].Changes {
		sc, err := r.listByChanges(ctx, s, refs)
		if !errors.Is(err, errUnordered) && !errors.Is(err, store.ErrCheckpointUnusable) {
			return sc, err
		}
		r.e.note(r.name, fmt.Sprintf("%s: listing by changes not usable (%v); plain listing", s, err))
	}
	sc := sideScan{full: true}
	ml := listingMerge{refs: refs, labels: r.feat[s].GmailLabels}
	opts := store.ListOptions{WithMessageID: true, BatchSize: r.e.opts.BatchMessages}
	if err := r.box[s].List(ctx, opts, ml.Feed); err != nil {
		return sc, err
	}
	sc.delta, sc.pairIDs = ml.Finish()
	st := r.box[s].Status()
	sc.cp = store.Checkpoint{UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, HighestModSeq: st.HighestModSeq}
	return sc, nil
}

// listByChanges is fullListing through Changes from the start.
func (r *mailboxRun) listByChanges(ctx context.Context, s Side, refs []pairRef) (sideScan, error) {
	sc := sideScan{full: true}
	ml := listingMerge{refs: refs, labels: r.feat[s].GmailLabels}
	since := store.Checkpoint{UIDValidity: r.box[s].Status().UIDValidity}
	cp, err := r.box[s].Changes(ctx, store.ChangesRequest{Since: since, WithMessageID: true}, func(cs store.ChangeSet) error {
		return ml.Feed(cs.Changed)
	})
	if err != nil {
		return sc, err
	}
	sc.delta, sc.pairIDs = ml.Finish()
	sc.cp = cp
	return sc, nil
}

// errUnordered: a listing came in an order the merge cannot use.
var errUnordered = errors.New("listing not in ascending UID order")

// listingMerge turns a full listing of one side into a Delta by a
// streaming merge against the pairs sorted by that side's UID: a listed
// UID without a pair is new, one whose flags (or labels, from a store
// that keeps them) differ from the agreed ones is changed, and a pair whose UID is not listed has vanished. Memory
// holds the pairs' refs and the delta, never the listing.
type listingMerge struct {
	// labels: the side keeps labels (Features.GmailLabels).
	labels bool
	refs   []pairRef
	next   int
	last   store.UID
	delta  Delta
	ids    []int64
	// listed counts the messages fed.
	listed int
}

// Feed merges one batch of the listing (ascending UIDs, continuing the
// previous batch).
func (ml *listingMerge) Feed(batch []store.Message) error {
	for _, m := range batch {
		if m.UID <= ml.last {
			return fmt.Errorf("UID %d after %d: %w", m.UID, ml.last, errUnordered)
		}
		ml.last = m.UID
		ml.listed++
		for ml.next < len(ml.refs) && ml.refs[ml.next].uid < m.UID {
			ml.vanish(ml.refs[ml.next])
		}
		if ml.next < len(ml.refs) && ml.refs[ml.next].uid == m.UID {
			ref := ml.refs[ml.next]
			ml.next++
			fs, err := flagSet(m.Flags)
			if err != nil {
				return fmt.Errorf("UID %d: %w", m.UID, err)
			}
			ls, err := labelSet(m.Labels)
			if err != nil {
				return fmt.Errorf("UID %d: %w", m.UID, err)
			}
			if fs != ref.flags || (ml.labels && ls != ref.labels) {
				ml.delta.Changed = append(ml.delta.Changed, copyMessage(m))
				ml.ids = append(ml.ids, ref.id)
			}
			continue
		}
		ml.delta.New = append(ml.delta.New, copyMessage(m))
	}
	return nil
}

func (ml *listingMerge) vanish(ref pairRef) {
	ml.delta.Vanished = append(ml.delta.Vanished, ref.uid)
	ml.ids = append(ml.ids, ref.id)
	ml.next++
}

// Finish ends the merge: pairs not listed have vanished. It returns the
// delta and the ids of the pairs it refers to.
func (ml *listingMerge) Finish() (Delta, []int64) {
	for ml.next < len(ml.refs) {
		ml.vanish(ml.refs[ml.next])
	}
	return ml.delta, ml.ids
}

// copyMessage detaches m from the store's batch (valid only during the
// callback).
func copyMessage(m store.Message) store.Message {
	m.Flags = append(store.Flags(nil), m.Flags...)
	m.Labels = append([]string(nil), m.Labels...)
	return m
}
