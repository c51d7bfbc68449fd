package syncer

import (
	"context"
	"fmt"
	"sync"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Moves between mailboxes are carried over as moves, not as a deletion
// plus a download. They cross mailbox pairs, which are synchronized in
// parallel, so they are handled at the account level by a ledger:
//
//   - The pass of the source mailbox A sees, on side S, a pair's message
//     vanish with the store saying where it went (ChangeSet.MovedOut: to
//     B as UID Y). Its planner, told the synchronized mailboxes
//     (MailboxInput.Moves), hands it back as a move instead of a deletion
//     (Plan.MovesOut), and the ledger records "moved out of A on S: pair p
//     to B as Y".
//   - The pass of the destination B sees, on side S, a new message with
//     Message.Origin (A, X). Its planner hands it back instead of a copy
//     (Plan.MovesIn): "moved into B on S: Y from A's X".
//   - Both passes leave their checkpoints unrecorded for now (the ledger
//     records them once the moves are done), so a crash or a failure
//     makes the next run see the same moves again.
//   - When every pass is done, the ledger runs the moves one by one: for
//     a matched pair of records it commits an intent, moves the other
//     side's copy (Mailbox.Move: UID MOVE on IMAP, a rename on Maildir)
//     from A to B with the flags already merged, and in one transaction
//     resolves the intent, forgets p in A and records (Y, moved copy) in
//     B. A move-out without a move-in whose message B has meanwhile
//     paired (B's store gave no Origin) becomes a deletion in A; a
//     move-in whose source is gone from the state becomes a copy.
//
// Only moves between mailbox pairs synchronized in the same call are
// matched; SyncMailbox sees the others as a deletion plus a new message.
type moveLedger struct {
	e     *Engine
	guard *accountGuard // the run's account-wide deletion guard
	mu    sync.Mutex
	rows  [2]map[string]statedb.Mailbox // by side and name
	outs  []moveOut
	ins   []moveIn
	// waiting holds the runs whose checkpoints and reports wait for the
	// moves; done the runs whose checkpoints only wait for the batch.
	waiting map[statedb.MailboxID]*mailboxRun
	done    []*mailboxRun
	reports map[statedb.MailboxID]*MailboxReport
	// gone holds the pairs the passes forgot because their message
	// vanished on both sides (see followDeletion).
	gone map[goneKey]Pair
	// heldIns notes the (source, destination) pairs already warned about
	// (sourceStopped).
	heldIns map[[2]statedb.MailboxID]bool
}

type moveOut struct {
	src     statedb.MailboxID
	side    Side // where the store reported the move
	pair    Pair
	dest    statedb.MailboxID
	destUID store.UID
	// byID: not reported by the store, but a vanished message with a
	// stable id that may turn up elsewhere (dest unknown until matched).
	byID bool
	// byIdentity: a vanished near message that may turn up elsewhere
	// under a new name (matched by store.Identity).
	byIdentity bool
	// keep: the destination does not take new messages from out.side
	// (a pull-only mailbox for a near move): the source's copy on the
	// other side stays, so the message is not lost there (outsAlone).
	keep bool
	// farNow: the far copy's current flags when they changed since the
	// last sync (MoveOut.FarNow).
	farNow *store.Message
}

type moveIn struct {
	dest   statedb.MailboxID
	side   Side
	msg    store.Message
	src    statedb.MailboxID
	srcUID store.UID
	// byIdentity: a new near message whose source is unknown until a
	// byIdentity move-out of the same identity matches it.
	byIdentity bool
}

// newMoveLedger returns the ledger of one run over rows.
func newMoveLedger(e *Engine, rows []statedb.Mailbox) *moveLedger {
	l := &moveLedger{e: e, waiting: map[statedb.MailboxID]*mailboxRun{}, reports: map[statedb.MailboxID]*MailboxReport{}}
	for s := Far; s <= Near; s++ {
		l.rows[s] = map[string]statedb.Mailbox{}
		for _, r := range rows {
			if n := rowName(r, s); n != "" && r.ID != 0 {
				l.rows[s][n] = r
			}
		}
	}
	return l
}

// input returns what the planner of run r needs to know about the other
// mailbox pairs (nil when moves are not matched: a pair never recorded).
// Looking up stable ids in the state is its only I/O.
func (l *moveLedger) input(ctx context.Context, r *mailboxRun, in MailboxInput) (*MoveInput, error) {
	if r.row.ID == 0 {
		return nil, nil
	}
	mi := &MoveInput{Self: r.row.ID}
	for s := Far; s <= Near; s++ {
		mi.Rows[s] = make(map[string]statedb.MailboxID, len(l.rows[s]))
		for n, row := range l.rows[s] {
			mi.Rows[s][n] = row.ID
		}
		if r.e.opts.Sync.carriesMoves(s) {
			mi.Moved[s] = r.scan[s].moved
		}
	}
	mi.ByID = r.feat[Far].StableIDs && len(l.rows[Far]) >= 2 && r.e.opts.Sync.carriesMoves(Far)
	mi.ByIdentity = len(l.rows[Near]) >= 2 && r.e.opts.Sync.carriesMoves(Near)
	if !mi.ByID && !mi.ByIdentity {
		return mi, nil
	}
	synced := map[statedb.MailboxID]bool{}
	for _, row := range l.rows[Far] {
		synced[row.ID] = true
	}
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		if mi.ByIdentity {
			if err := nearElsewhere(tx, mi, in, synced); err != nil {
				return err
			}
		}
		if !mi.ByID {
			return nil
		}
		mi.Elsewhere = map[string]MoveSource{}
		for _, m := range in.Delta[Far].New {
			src, uid, err := pairElsewhere(tx, m, r.row.ID, synced)
			if err != nil {
				return err
			}
			if src != 0 {
				mi.Elsewhere[m.EmailID] = MoveSource{Mailbox: src, UID: uid}
			}
		}
		return nil
	})
	return mi, err
}

// carriesMoves reports whether a move seen on side from may be carried
// over: it takes a new message and a deletion from that side to the other,
// so both must flow (a pull-only run never moves the server's messages).
func (d Direction) carriesMoves(from Side) bool {
	return d.allows(from, SyncNew) && d.allows(from, SyncGone)
}

// nearElsewhere fills mi.NearElsewhere with the new near messages of in
// whose identity a pair of another synchronized mailbox carries.
func nearElsewhere(tx *statedb.Tx, mi *MoveInput, in MailboxInput, synced map[statedb.MailboxID]bool) error {
	for _, m := range in.Delta[Near].New {
		ok, err := identityElsewhere(tx, m, mi.Self, synced)
		if err != nil {
			return err
		}
		if ok {
			if mi.NearElsewhere == nil {
				mi.NearElsewhere = map[store.UID]bool{}
			}
			mi.NearElsewhere[m.UID] = true
		}
	}
	return nil
}

// take records the moves a pass's plan handed back; the pass's
// checkpoints and report then wait for them.
func (l *moveLedger) take(ctx context.Context, r *mailboxRun, p Plan) error {
	own, err := r.ownExpunges(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.noteGone(r.row.ID, p, own)
	if len(p.MovesOut)+len(p.MovesIn) == 0 {
		return nil
	}
	for _, o := range p.MovesOut {
		l.outs = append(l.outs, moveOut{src: r.row.ID, side: o.Side, pair: o.Pair, dest: o.Dest, destUID: o.DestUID,
			byID: o.ByID, byIdentity: o.ByIdentity, farNow: o.FarNow})
	}
	for _, i := range p.MovesIn {
		l.ins = append(l.ins, moveIn{dest: r.row.ID, side: i.Side, msg: i.Msg, src: i.From.Mailbox, srcUID: i.From.UID,
			byIdentity: i.ByIdentity})
	}
	l.waiting[r.row.ID] = r
	return nil
}

// pending reports whether moves touching mailbox mb are still to be done;
// the mailbox's checkpoints and report then wait for finish.
func (l *moveLedger) pending(mb statedb.MailboxID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting[mb] != nil
}

// finish carries out the recorded moves once every mailbox pass is done,
// then records the checkpoints that waited for them. Round trips (moved
// out and back again) only renumber the pair; matched moves are carried
// over; move-outs left alone become deletions, under the deletion guard;
// move-ins left alone become copies.
func (l *moveLedger) finish(ctx context.Context) error {
	failed := map[statedb.MailboxID]bool{}
	usedIn := make([]bool, len(l.ins))
	declined := make([]bool, len(l.ins)) // matched, but the directions forbid the move
	var alone []moveOut
	groups := map[groupKey]*moveGroup{}
	var order []*moveGroup
	for _, out := range l.outs {
		if j := l.matchRoundTrip(out, usedIn); j >= 0 {
			usedIn[j] = true
			if err := l.roundTrip(ctx, out, l.ins[j]); err != nil {
				failed[out.src] = true
				l.e.obs.Error(l.waiting[out.src].name, err)
			}
		} else if j := l.matchIn(out, usedIn); j >= 0 {
			usedIn[j] = true
			if keep, ok := l.carries(out, l.ins[j]); !ok {
				declined[j], out.keep = true, keep
				alone = append(alone, out)
				continue
			}
			out.dest = l.ins[j].dest
			k := groupKey{out.src, out.dest, out.side}
			if groups[k] == nil {
				groups[k] = &moveGroup{groupKey: k}
				order = append(order, groups[k])
			}
			groups[k].jobs = append(groups[k].jobs, moveJob{out: out, in: l.ins[j]})
		} else {
			alone = append(alone, out)
		}
	}
	for _, g := range order {
		if err := l.moveGroup(ctx, g); err != nil {
			failed[g.src], failed[g.dest] = true, true
			l.e.obs.Error(l.waiting[g.src].name, err)
		}
	}
	l.outsAlone(ctx, alone, failed)
	for j, in := range l.ins {
		if usedIn[j] && !declined[j] {
			continue
		}
		if stop, err := l.sourceStopped(ctx, in); stop || err != nil {
			failed[in.dest] = true // seen again by the next run
			if err != nil {
				l.e.obs.Error(l.waiting[in.dest].name, err)
			}
			continue
		}
		alone := l.inAlone
		if l.deletedElsewhere(in) {
			alone = l.followDeletion
		}
		if err := alone(ctx, in); err != nil {
			failed[in.src], failed[in.dest] = true, true
			l.e.obs.Error(l.waiting[in.dest].name, err)
		}
	}
	return l.record(ctx, failed)
}

// sourceStopped reports whether the mailbox a move-in came from failed in
// this run (a folder missing, refused) or held its deletions back: its
// message is not copied as new then, which would duplicate what the source
// still holds on the other side; the destination's checkpoint waits, and a
// warning says why. A move-in found by identity has no known source: every
// other synchronized mailbox with a pair of that identity counts.
func (l *moveLedger) sourceStopped(ctx context.Context, in moveIn) (bool, error) {
	srcs := []statedb.MailboxID{in.src}
	if in.byIdentity {
		synced := map[statedb.MailboxID]bool{}
		for _, row := range l.rows[Far] {
			synced[row.ID] = true
		}
		err := l.e.db.View(ctx, func(tx *statedb.Tx) error {
			var err error
			srcs, err = identitySources(tx, in.msg, in.dest, synced)
			return err
		})
		if err != nil {
			return true, err
		}
	}
	for _, src := range srcs {
		name, why := l.stopped(src)
		if why == "" {
			continue
		}
		k := [2]statedb.MailboxID{src, in.dest}
		if !l.heldIns[k] {
			if l.heldIns == nil {
				l.heldIns = map[[2]statedb.MailboxID]bool{}
			}
			l.heldIns[k] = true
			l.e.warn(l.waiting[in.dest].name, fmt.Sprintf("messages moved here from %q are not copied while %q %s", name, name, why))
		}
		return true, nil
	}
	return false, nil
}

// stopped returns the name of mailbox pair id and why its pass stopped
// short in this run ("" when it did not).
func (l *moveLedger) stopped(id statedb.MailboxID) (name, why string) {
	rep := l.reports[id]
	if r := l.waiting[id]; r != nil {
		rep = &r.rep // the ledger reports it at the end
	}
	switch {
	case id == 0 || rep == nil:
		return "", ""
	case rep.Err != nil:
		return rep.Mailbox, "fails"
	case rep.Held != nil:
		return rep.Mailbox, "has deletions held back"
	}
	return "", ""
}

// carries reports whether the matched out and in may be carried out as a
// move: the source mailbox's direction takes deletions from out.side and
// the destination's new messages from it (a per-mailbox pull-only setting
// forbids both for a near move). keep says the destination refuses new
// messages: the source's copy on the other side must then stay, or the
// message would leave that side altogether while the moved copy is never
// sent there. The in, left alone, follows the destination's direction.
func (l *moveLedger) carries(out moveOut, in moveIn) (keep, ok bool) {
	srcOK := l.waiting[out.src].planOpts().Sync.allows(out.side, SyncGone)
	destOK := l.waiting[in.dest].planOpts().Sync.allows(in.side, SyncNew)
	return !destOK, srcOK && destOK
}

// matchRoundTrip finds a move-in that brings out's message back into its
// own mailbox (moved to B and back to A between two runs).
func (l *moveLedger) matchRoundTrip(out moveOut, used []bool) int {
	for j, in := range l.ins {
		if !used[j] && in.side == out.side && in.dest == out.src && in.src == out.dest &&
			out.destUID != 0 && in.srcUID == out.destUID {
			return j
		}
	}
	return -1
}

// roundTrip records the message's new UID on the side it travelled; no
// store is touched.
func (l *moveLedger) roundTrip(ctx context.Context, out moveOut, in moveIn) error {
	if l.e.opts.DryRun {
		return nil
	}
	p := out.pair
	p.UID[out.side] = in.msg.UID
	return l.e.update(ctx, func(tx *statedb.Tx) error { return putPair(tx, out.src, p) })
}

// matchIn finds the move-in record matching out.
func (l *moveLedger) matchIn(out moveOut, used []bool) int {
	if out.byIdentity {
		return l.matchIdentity(out, used)
	}
	for j, in := range l.ins {
		if in.byIdentity {
			continue
		}
		if !used[j] && in.side == out.side && (out.byID || in.dest == out.dest) && in.src == out.src &&
			in.srcUID == out.pair.UID[out.side] && (out.destUID == 0 || out.destUID == in.msg.UID) {
			return j
		}
	}
	return -1
}

// matchIdentity finds the unused byIdentity move-in of another mailbox
// whose message has the identity of out's pair, when the match is the
// only one possible: an identity is Message-ID and size (or a header
// hash), which two different texts can share (a list post and its copy
// with another footer of the same length, a draft and its sent copy).
// When two vanished messages or two new ones on that side share it, which
// went where cannot be told: none is taken for a move, and the ledger
// falls back to deletions and copies, which cannot swap two texts.
func (l *moveLedger) matchIdentity(out moveOut, used []bool) int {
	id := out.pair.identity()
	outs := 0
	for _, o := range l.outs {
		if o.byIdentity && o.side == out.side && o.pair.identity().Same(id) {
			outs++
		}
	}
	match, ins := -1, 0
	for j, in := range l.ins {
		if in.byIdentity && in.side == out.side && store.IdentityOf(in.msg).Same(id) {
			ins++
			if !used[j] && in.dest != out.src && match < 0 {
				match = j
			}
		}
	}
	if outs != 1 || ins != 1 {
		return -1
	}
	return match
}

// finished queues the checkpoints of a run done without moves.
func (l *moveLedger) finished(r *mailboxRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting[r.row.ID] == nil && !r.unchanged() {
		l.done = append(l.done, r)
	}
}

// record writes, in one transaction, the checkpoints of the runs that
// finished and of those that waited for moves (unless a move touching them
// failed), and tells the observer the waiting ones are done.
func (l *moveLedger) record(ctx context.Context, failed map[statedb.MailboxID]bool) error {
	batch := l.done
	for id, r := range l.waiting {
		if !failed[id] && r.rep.Err == nil && !r.failed && r.rep.Held == nil {
			batch = append(batch, r)
		}
	}
	var err error
	if len(batch) > 0 && !l.e.opts.DryRun {
		err = l.e.update(ctx, func(tx *statedb.Tx) error {
			for _, r := range batch {
				if err := r.writeCheckpoints(tx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		err = fmt.Errorf("record checkpoints: %w", err)
		l.e.obs.Error("", err)
		for _, r := range batch {
			r.rep.Err = err
			if rep := l.reports[r.row.ID]; rep != nil {
				rep.Err = err
			}
		}
	}
	for id, r := range l.waiting {
		if rep := l.reports[id]; rep != nil {
			*rep = r.rep
		}
		l.e.obs.MailboxDone(r.rep)
	}
	return err
}
