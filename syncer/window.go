package syncer

import (
	"context"
	"errors"

	"github.com/imapdir/imapdir/store"
)

// A side that must be listed in full (a first sync, a lost checkpoint)
// and holds more new messages than one window is listed, planned, copied
// and recorded in windows of consecutive UIDs, so that what the engine
// holds per message is bounded by the window, whatever the mailbox's size:
//
//  1. The first window lists from UID 1 to past the highest UID any pair
//     knows on that side, so the merge against the pairs is complete in
//     it: every Changed and Vanished entry of the side is in the first
//     plan, and later windows hold new messages only.
//  2. Windowing goes on only when later windows cannot change what the
//     first plan decided: the other side has no new message (which could
//     be adopted by identity in a later window) and this side has nothing
//     vanished (which a new message of a later window could renumber).
//     Otherwise the rest of the side is listed into the same merge and
//     planned at once, as without windows.
//  3. Each later window is planned on its own and executed (intents,
//     copies, pairs per batch as always). The checkpoint is recorded once,
//     after the last window, and is the store's state from before the
//     first window was listed, so whatever arrives meanwhile is reported
//     again by the next run. A crash between windows leaves the pairs of
//     the windows done: the next run finds them paired and goes on.

// DefaultWindowMessages is the number of new messages of one side that a
// plan holds at most (twice that for a window of UIDs that turned out
// dense): about 1 KB each in the plan.
const DefaultWindowMessages = 2000

// errWindowFull stops a window's listing once it holds enough.
var errWindowFull = errors.New("listing window full")

// uidWindows is the rest of a side's listing, cut into windows.
type uidWindows struct {
	ml   *listingMerge
	next store.UID // first UID of the next window; 0: listing complete
	top  store.UID // last UID to list: the first window's UIDNEXT - 1
	span store.UID // UIDs the next window spans
	// rest estimates the messages still to be listed (for the progress
	// shown at the start).
	rest int
}

// windowed reports whether side s, holding paired messages with pairs,
// is to be listed in windows.
func (r *mailboxRun) windowed(s Side, paired int) bool {
	w := r.e.opts.WindowMessages
	st := r.box[s].Status()
	return w > 0 && !r.e.opts.DryRun && st.UIDNext > 1 && st.UIDValidity != 0 && st.Messages-paired > w
}

// firstWindow lists side s from UID 1 through past the last paired UID
// (step 1 above); sc.win holds what remains.
func (r *mailboxRun) firstWindow(ctx context.Context, s Side, refs []pairRef) (sideScan, error) {
	st := r.box[s].Status()
	w := store.UID(r.e.opts.WindowMessages)
	sc := sideScan{full: true, cp: store.Checkpoint{UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, HighestModSeq: st.HighestModSeq}}
	win := &uidWindows{ml: &listingMerge{refs: refs}, top: st.UIDNext - 1, span: w, rest: st.Messages}
	hi := w
	if n := len(refs); n > 0 {
		hi = max(hi, refs[n-1].uid)
	}
	if err := r.listWindow(ctx, s, win, 1, hi); err != nil {
		return sc, err
	}
	sc.delta, sc.pairIDs = win.ml.Finish()
	win.ml.refs, win.ml.next, win.ml.ids = nil, 0, nil // every pair is passed
	sc.win = win
	if win.next == 0 {
		sc.win = nil
	}
	return sc, nil
}

// listWindow lists side s from lo to hi into win's merge, stopping early
// once the merge holds twice a window's new messages and has passed every
// pair; it sets win.next and adapts win.span to the density seen.
func (r *mailboxRun) listWindow(ctx context.Context, s Side, win *uidWindows, lo, hi store.UID) error {
	ml := win.ml
	before, limit := ml.listed, 2*r.e.opts.WindowMessages
	opts := store.ListOptions{MinUID: lo, MaxUID: hi, WithMessageID: true, BatchSize: r.e.opts.BatchMessages}
	err := r.box[s].List(ctx, opts, func(batch []store.Message) error {
		if err := ml.Feed(batch); err != nil {
			return err
		}
		if len(ml.delta.New) >= limit && ml.next == len(ml.refs) {
			return errWindowFull
		}
		return nil
	})
	end := hi
	switch {
	case errors.Is(err, errWindowFull):
		end, win.span = ml.last, store.UID(r.e.opts.WindowMessages)
	case err != nil:
		return err
	case ml.listed-before < r.e.opts.WindowMessages/4:
		win.span = min(win.span*4, 1<<24) // sparse UIDs: fewer, larger windows
	}
	win.rest -= ml.listed - before
	win.next = 0
	if end < win.top {
		win.next = end + 1
	}
	return nil
}

// settleWindows decides, once both sides are scanned, whether a side
// listed in windows may go on so (step 2 above); if not, the rest of its
// listing is merged now.
func (r *mailboxRun) settleWindows(ctx context.Context) error {
	for s := Far; s <= Near; s++ {
		sc, o := &r.scan[s], &r.scan[s.Other()]
		if sc.win == nil {
			continue
		}
		if o.win == nil && len(o.delta.New) == 0 && len(sc.delta.Vanished) == 0 {
			continue
		}
		if err := r.listRest(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// listRest merges the rest of side s's listing at once (no windows).
func (r *mailboxRun) listRest(ctx context.Context, s Side) error {
	sc := &r.scan[s]
	ml := sc.win.ml
	ml.delta = sc.delta
	opts := store.ListOptions{MinUID: sc.win.next, WithMessageID: true, BatchSize: r.e.opts.BatchMessages}
	if err := r.box[s].List(ctx, opts, ml.Feed); err != nil {
		return err
	}
	var ids []int64
	sc.delta, ids = ml.Finish()
	sc.pairIDs = append(sc.pairIDs, ids...)
	sc.win = nil
	return nil
}

// nextWindow lists side s's next window into a fresh delta.
func (r *mailboxRun) nextWindow(ctx context.Context, s Side) error {
	win := r.scan[s].win
	win.ml.delta = Delta{}
	lo := win.next
	hi := min(lo+win.span-1, win.top)
	if hi < lo { // the span overflowed
		hi = win.top
	}
	if err := r.listWindow(ctx, s, win, lo, hi); err != nil {
		return err
	}
	r.scan[s].delta, _ = win.ml.Finish()
	return nil
}

// windowSide returns the side listed in windows, if any.
func (r *mailboxRun) windowSide() (Side, bool) {
	for s := Far; s <= Near; s++ {
		if r.scan[s].win != nil {
			return s, true
		}
	}
	return Far, false
}

// executeWindows plans and executes the windows after the first plan's
// (step 3 above). The plans of later windows hold only copies (and
// skips), so the first plan's Held stands for the mailbox.
func (r *mailboxRun) executeWindows(ctx context.Context, s Side) error {
	for r.scan[s].win != nil && r.scan[s].win.next != 0 {
		if err := ctx.Err(); err != nil {
			return store.Errorf(store.ScopeCanceled, false, "sync", r.name, 0, "%w", err)
		}
		if err := r.nextWindow(ctx, s); err != nil {
			return err
		}
		r.scan[s.Other()].delta = Delta{}
		p, err := r.plan(ctx)
		if err != nil {
			return err
		}
		r.scan[s].delta = Delta{}
		r.rep.Skipped = append(r.rep.Skipped, p.Skipped...)
		if err := r.execute(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
