package syncer

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// mailboxRun is the synchronization of one mailbox pair: open both sides,
// resolve pending intents, check identities, scan, plan, execute, record
// the checkpoints.
type mailboxRun struct {
	e     *Engine
	row   statedb.Mailbox
	name  string
	names [2]string
	box   [2]store.Mailbox
	feat  [2]store.Features
	scan  [2]sideScan
	rep   MailboxReport
	// failed is set when some message failed: the checkpoints are then
	// not advanced, so the next run sees the same changes again.
	failed bool
	// assigned is the highest UID this run created per side (appends,
	// moves): the recorded checkpoint's UIDNEXT covers them, so that a
	// store reporting vanished UIDs only below the checkpoint's UIDNEXT
	// still reports them (see finish).
	assigned [2]store.UID
	// moves is the account's move ledger (nil: moves are not matched).
	moves *moveLedger
	// repaired, under DryRun, holds the side-s UIDs a re-pairing after a
	// UIDVALIDITY change would record (nil: none).
	repaired *dryRepair
	// unsent holds, per side, the UIDs of replaced messages whose
	// replacement was not copied: their pairs' updates are left out.
	unsent [2]map[store.UID]bool
	// skipLimits are the recorded limits under which messages were
	// skipped (nil: none); limitsWiden: this run's allow more, both sides
	// are listed in full (limits.go).
	skipLimits  *limits
	limitsWiden bool
}

// syncPair synchronizes mailbox pair row and reports the outcome to the
// observer.
func (e *Engine) syncPair(ctx context.Context, row statedb.Mailbox, ledger *moveLedger) MailboxReport {
	r := &mailboxRun{e: e, row: row, name: row.FarName, names: [2]string{row.FarName, row.NearName}, moves: ledger}
	if r.name == "" {
		r.name = row.NearName
	}
	r.rep = MailboxReport{Mailbox: r.name, DryRun: e.opts.DryRun}
	err := r.run(ctx)
	if err != nil {
		r.rep.Err = err
		e.obs.Error(r.name, err)
	}
	if ledger != nil && ledger.pending(row.ID) {
		return r.rep // reported by the ledger once the moves are done
	}
	e.obs.MailboxDone(r.rep)
	return r.rep
}

func (r *mailboxRun) run(ctx context.Context) error {
	if err := r.open(ctx); err != nil {
		return err
	}
	defer r.close()
	if err := r.checkIdentity(ctx); err != nil {
		return err
	}
	if err := r.recoverIntents(ctx); err != nil {
		return err
	}
	if err := r.loadSkipLimits(ctx); err != nil {
		return err
	}
	for s := Far; s <= Near; s++ {
		sc, err := r.scanSide(ctx, s)
		if err != nil {
			return fmt.Errorf("scan %s mailbox %q: %w", s, r.names[s], err)
		}
		r.scan[s] = sc
	}
	if err := r.settleWindows(ctx); err != nil {
		return err
	}
	if err := r.checkEmpty(ctx); err != nil {
		return err
	}
	plan, err := r.plan(ctx)
	if err != nil {
		return err
	}
	for s := Far; s <= Near; s++ { // the plan holds what is still needed
		r.scan[s].delta, r.scan[s].pairs, r.scan[s].pairIDs = Delta{}, nil, nil
	}
	r.start(plan)
	if r.e.opts.DryRun {
		r.would(plan)
		return nil
	}
	if err := r.execute(ctx, plan); err != nil {
		return err
	}
	if s, ok := r.windowSide(); ok {
		if err := r.executeWindows(ctx, s); err != nil {
			return err
		}
		plan = Plan{Held: plan.Held} // the first plan's, which alone may delete
	}
	return r.finish(ctx, plan)
}

// open opens both sides' mailboxes.
func (r *mailboxRun) open(ctx context.Context) error {
	for s := Far; s <= Near; s++ {
		if r.names[s] == "" && r.e.opts.DryRun { // to be created (see dryrun.go)
			r.box[s], r.feat[s] = plannedMailbox{name: r.name}, r.e.st[s].Features()
			continue
		}
		name := r.names[s]
		if r.e.opts.DryRun {
			name = r.e.dry.storeName(s, name) // renamed in this dry run
		}
		b, err := r.e.st[s].OpenMailbox(ctx, name)
		if errors.Is(err, store.ErrMailboxNotFound) {
			return r.e.refusef(r.name, "%s mailbox %q is missing while the state says it held mail: "+
				"not treating this as \"everything deleted\" (restore it, or remove the mailbox from the state)", s, r.names[s])
		}
		if err != nil {
			return fmt.Errorf("open %s mailbox %q: %w", s, r.names[s], err)
		}
		r.box[s] = b
		r.feat[s] = r.e.st[s].Features()
	}
	return nil
}

func (r *mailboxRun) close() {
	for s := Far; s <= Near; s++ {
		if r.box[s] != nil {
			_ = r.box[s].Close()
		}
	}
}

// checkIdentity compares each side's UIDVALIDITY with the recorded one: a
// change means re-pairing (repair.go) before anything else; a first sight
// is recorded at once, before any pair refers to that side's UIDs.
func (r *mailboxRun) checkIdentity(ctx context.Context) error {
	for s := Far; s <= Near; s++ {
		rec, cur := uidValidity(r.row, s), r.box[s].Status().UIDValidity
		switch {
		case rec == cur:
		case rec != 0:
			if err := r.repair(ctx, s, rec, cur); err != nil {
				return err
			}
		case !r.e.opts.DryRun:
			if err := r.saveCheckpoint(ctx, s, store.Checkpoint{UIDValidity: cur}); err != nil {
				return err
			}
		}
	}
	return nil
}

// saveCheckpoint records one side's checkpoint in the mailbox row.
func (r *mailboxRun) saveCheckpoint(ctx context.Context, s Side, cp store.Checkpoint) error {
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		m, ok, err := tx.Mailbox(r.row.ID)
		if err != nil || !ok {
			return errors.Join(err, fmt.Errorf("mailbox %d: %w", r.row.ID, statedb.ErrNotFound))
		}
		setCheckpoint(&m, s, cp)
		r.row = m
		return tx.UpdateMailbox(m)
	})
}

// checkEmpty refuses a near mailbox found empty when every message the
// state knows there — more than the deletion guard's count — vanished
// without the store reporting it moved: a wiped folder must not read as
// "the user deleted everything" (a removed directory or an unmounted disk
// is a missing mailbox, refused in open). Emptying a small folder by hand
// (a Trash of a few messages) is an ordinary deletion, as the guard has it.
// A far mailbox found empty goes through the deletion guard instead
// (servers purge Trash and Junk). Force overrides.
func (r *mailboxRun) checkEmpty(ctx context.Context) error {
	sc := &r.scan[Near]
	if r.e.opts.Force || r.box[Near].Status().Messages > 0 || len(sc.delta.Vanished) == 0 {
		return nil
	}
	moved := map[store.UID]bool{}
	for _, m := range sc.moved {
		moved[m.UID] = true
	}
	gone := 0
	for _, u := range sc.delta.Vanished {
		if !moved[u] {
			gone++
		}
	}
	n, err := r.countPairs(ctx, Near)
	if err != nil || gone <= r.planOpts().DeleteGuardCount || gone < n {
		return err // a small folder emptied by hand is not an accident
	}
	return r.e.refusef(r.name, "near mailbox %q is empty but the state knows %d of its messages: "+
		"refusing to delete them on the far side (run with --force if you emptied it on purpose)", r.names[Near], n)
}

// countPairs counts the pairs with a UID on side s.
func (r *mailboxRun) countPairs(ctx context.Context, s Side) (int, error) {
	refs, err := r.pairRefs(ctx, s)
	return len(refs), err
}

// plan gathers the planner's input from both scans and plans.
func (r *mailboxRun) plan(ctx context.Context) (Plan, error) {
	for s := Far; s <= Near; s++ {
		// A store may learn this while listing (imapstore: from SELECT).
		r.feat[s].Keywords = r.e.st[s].Features().Keywords
	}
	in := MailboxInput{
		Delta:    [2]Delta{r.scan[Far].delta, r.scan[Near].delta},
		Keywords: [2]bool{r.feat[Far].Keywords, r.feat[Near].Keywords},
		Labels:   [2]bool{r.feat[Far].GmailLabels, r.feat[Near].GmailLabels},
		Now:      r.e.opts.Now(),
	}
	seen := map[int64]bool{}
	var ids []int64
	for s := Far; s <= Near; s++ {
		for _, p := range r.scan[s].pairs {
			if !seen[p.ID] {
				seen[p.ID] = true
				in.Pairs = append(in.Pairs, p)
			}
		}
		for _, id := range r.scan[s].pairIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	loaded, err := loadPairs(ctx, r.e.db, ids)
	if err != nil {
		return Plan{}, err
	}
	in.Pairs = append(in.Pairs, loaded...)
	r.repaired.apply(in.Pairs)
	err = r.e.db.View(ctx, func(tx *statedb.Tx) error {
		in.PairCount, err = tx.CountPairs(r.row.ID)
		return err
	})
	if err != nil {
		return Plan{}, err
	}
	if r.moves != nil {
		if in.Moves, err = r.moves.input(ctx, r, in); err != nil {
			return Plan{}, err
		}
	}
	p := PlanMailbox(in, r.planOpts())
	if r.moves != nil {
		if err := r.moves.take(ctx, r, p); err != nil {
			return Plan{}, err
		}
	}
	if err := r.accountGuard(ctx, &p, in.PairCount); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// accountGuard reserves the plan's deletions with the account-wide guard
// and holds them back when it refuses.
func (r *mailboxRun) accountGuard(ctx context.Context, p *Plan, base int) error {
	if r.moves == nil {
		return nil
	}
	why, err := r.moves.guard.reserve(ctx, r.row.ID, p.deletions())
	if why != "" {
		p.holdAll(base, why)
	}
	return err
}

// start tells the observer what the plan will do.
func (r *mailboxRun) start(p Plan) {
	ms := MailboxStart{Mailbox: r.name, DryRun: r.e.opts.DryRun}
	ms.Copies, ms.Flags, ms.Expunges = p.Counts()
	for _, c := range p.Copies {
		ms.Bytes[c.From.Other()] += c.Msg.Size
	}
	if s, ok := r.windowSide(); ok && ms.Copies[s.Other()] > 0 {
		// Later windows are not listed yet: estimated from the first.
		rest := max(r.scan[s].win.rest, 0)
		ms.Bytes[s.Other()] += ms.Bytes[s.Other()] / int64(ms.Copies[s.Other()]) * int64(rest)
		ms.Copies[s.Other()] += rest
	}
	r.e.obs.MailboxStart(ms)
	if p.Held != nil {
		r.e.warn(r.name, "deletions held back: "+p.Held.Reason)
	}
	r.rep.Skipped = p.Skipped
	r.rep.Held = p.Held
}

// would fills the report with what the plan would do (DryRun).
func (r *mailboxRun) would(p Plan) {
	copies, flags, expunges := p.Counts()
	r.rep.New, r.rep.Changed, r.rep.Deleted = copies, flags, expunges
	for _, c := range p.Copies {
		r.rep.Bytes[c.From.Other()] += c.Msg.Size
		r.actCopy(c.From, c.Msg, 0, "")
	}
	r.actUpdates(p.Updates, nil)
}

// finish records both sides' checkpoints once the mailbox is done (RFC
// 7162 §6: a HIGHESTMODSEQ is only recorded after every change up to it
// has been applied) — through the run's ledger, which writes the
// checkpoints of every finished mailbox in one transaction at the end (one
// commit, not one per mailbox, for a no-change run). The checkpoints are those of the scan, whose
// UIDNEXT is raised above the UIDs this run created itself: those
// messages are known, and their later expunge must be reported. After a failure or with deletions held back nothing
// is recorded, so the next run sees the same changes again.
func (r *mailboxRun) finish(ctx context.Context, p Plan) error {
	if r.failed || p.Held != nil {
		return nil
	}
	if err := r.saveSkipLimits(ctx); err != nil {
		return err
	}
	if r.moves != nil {
		r.moves.finished(r) // recorded with the others' in one transaction
		return nil
	}
	if r.unchanged() {
		return nil // a run that changed nothing writes nothing (no commit, no fsync)
	}
	return r.e.update(ctx, r.writeCheckpoints)
}

// unchanged reports whether the checkpoints to record equal the recorded
// ones on both sides: nothing changed, nothing was done.
func (r *mailboxRun) unchanged() bool {
	for s := Far; s <= Near; s++ {
		if r.checkpointToRecord(s) != r.scan[s].recorded {
			return false
		}
	}
	return true
}

// checkpointToRecord is side s's checkpoint as this run may record it:
// the scan's, raised above the UIDs the run created, when every kind of
// change read from s may propagate under this run's settings; else the
// recorded one, unmoved. A run restricted to one direction or kind (sync
// --push, a sync key without pull_new) must not move the checkpoint past
// changes it left alone: a later run with the kind allowed would never
// see them again.
func (r *mailboxRun) checkpointToRecord(s Side) store.Checkpoint {
	if !r.planOpts().Sync.carriesAll(s) {
		return r.scan[s].recorded
	}
	cp := r.scan[s].cp
	cp.UIDNext = max(cp.UIDNext, r.assigned[s]+1)
	return cp
}

// writeCheckpoints writes both sides' checkpoints and the sync time.
func (r *mailboxRun) writeCheckpoints(tx *statedb.Tx) error {
	m, ok, err := tx.Mailbox(r.row.ID)
	if err != nil || !ok {
		return errors.Join(err, fmt.Errorf("mailbox %d: %w", r.row.ID, statedb.ErrNotFound))
	}
	for s := Far; s <= Near; s++ {
		setCheckpoint(&m, s, r.checkpointToRecord(s))
	}
	m.LastSync = r.e.opts.Now()
	return tx.UpdateMailbox(m)
}

// planOpts returns the rules of this mailbox pair (per-mailbox settings
// over the account's), by its near name.
func (r *mailboxRun) planOpts() PlanOptions { return r.e.planOptions(cmp.Or(r.names[Near], r.name)) }
