package syncer

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// outsAlone handles the move-outs whose destination gave no matching
// move-in (its store reports no Origin, or the destination failed): each
// message is treated as deleted from its source mailbox (rule 4 of
// PlanMailbox) — the destination's own pass copies it as a new message —
// and the deletions go through the deletion guard like a pass's own: when
// together with the pass's deletions they trip it, they are held back and
// the source's checkpoints are not recorded. A move-out whose destination
// refuses the message (keep) loses only its side's UID: the copy on the
// other side stays.
func (l *moveLedger) outsAlone(ctx context.Context, outs []moveOut, failed map[statedb.MailboxID]bool) {
	bySrc := map[statedb.MailboxID][]PairUpdate{}
	var order []statedb.MailboxID
	for _, out := range outs {
		st := &pairState{pair: &out.pair}
		st.vanished[out.side] = true
		st.keep[out.side.Other()] = out.keep
		if out.side == Near {
			st.cur[Far] = out.farNow
		}
		u, ok := planGone(st, PairUpdate{Old: out.pair, New: out.pair}, out.side, l.waiting[out.src].planOpts())
		if !ok {
			continue // left for a run that carries deletions
		}
		if bySrc[out.src] == nil {
			order = append(order, out.src)
		}
		bySrc[out.src] = append(bySrc[out.src], u)
	}
	for _, src := range order {
		r := l.waiting[src]
		if err := l.goneAlone(ctx, r, bySrc[src]); err != nil {
			failed[src] = true
			l.e.obs.Error(r.name, err)
		}
	}
}

// goneAlone applies the deletions of one source mailbox's lone move-outs.
func (l *moveLedger) goneAlone(ctx context.Context, r *mailboxRun, ups []PairUpdate) error {
	base, err := l.e.pairCount(ctx, r.row.ID)
	if err != nil {
		return err
	}
	p := Plan{Updates: ups}
	done := r.rep.Deleted
	p.holdIf(base+max(done[Far], done[Near]), done, l.e.opts.PlanOptions)
	if p.Held == nil {
		if err := r.accountGuard(ctx, &p, base); err != nil {
			return err
		}
	}
	if p.Held != nil {
		r.rep.Held = p.Held
		r.failed = true
		l.e.warn(r.name, "deletions held back: "+p.Held.Reason)
	}
	if len(p.Updates) == 0 {
		return nil
	}
	if l.e.opts.DryRun {
		r.countUpdates(p.Updates)
		return nil
	}
	return r.reopen(ctx, func() error { return r.applyUpdates(ctx, p.Updates) })
}

// inAlone handles a move-in whose source gave no matching move-out: the
// message is copied like any new message (unless it got paired meanwhile).
func (l *moveLedger) inAlone(ctx context.Context, in moveIn) error {
	r := l.waiting[in.dest]
	if !r.planOpts().Sync.allows(in.side, SyncNew) {
		return nil
	}
	var paired bool
	if err := l.e.db.View(ctx, func(tx *statedb.Tx) error {
		_, ok, err := pairBySide(tx, in.dest, in.side, in.msg.UID)
		paired = ok
		return err
	}); err != nil || paired {
		return err
	}
	if l.e.opts.DryRun {
		r.countCopy(in.side, in.msg)
		return nil
	}
	return r.reopen(ctx, func() error { return r.copyBatch(ctx, in.side, []store.Message{in.msg}) })
}

// reopen opens the run's mailboxes again for fn (the pass had closed them).
func (r *mailboxRun) reopen(ctx context.Context, fn func() error) error {
	if err := r.open(ctx); err != nil {
		return err
	}
	defer r.close()
	return fn()
}

// recoverMoves resolves the move intents an interrupted run left, before
// any mailbox pass looks at the mailboxes they touch.
func (e *Engine) recoverMoves(ctx context.Context, rows []statedb.Mailbox) error {
	if e.opts.DryRun {
		return nil
	}
	var intents []statedb.Intent
	if err := e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		intents, err = tx.PendingIntents(0)
		return err
	}); err != nil {
		return err
	}
	byID := map[statedb.MailboxID]statedb.Mailbox{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, in := range intents {
		row, ok := byID[in.Mailbox]
		if in.Kind != statedb.IntentMove || !ok {
			continue
		}
		r := &mailboxRun{e: e, row: row, name: nameOf(row), names: [2]string{row.FarName, row.NearName}}
		if err := r.recoverMove(ctx, in); err != nil {
			return fmt.Errorf("resolve pending move %d of %s UID %d: %w", in.ID, in.Source, in.SourceUID, err)
		}
	}
	return nil
}

// recoverMove resolves a move intent left by an interrupted run: if the
// moved copy is in the destination, the original is expunged if it is
// still there (a non-atomic move cut in half) and the pair moves with the
// copy; otherwise the intent is dropped and the move is seen again (the
// checkpoints of both mailboxes were not recorded).
func (r *mailboxRun) recoverMove(ctx context.Context, in statedb.Intent) error {
	o := sideOf(in.Source)
	s, destUID, ok := parseMoveTemp(in.TempID)
	var dest statedb.Mailbox
	var found bool
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		dest, found, err = tx.Mailbox(in.TargetMailbox)
		return err
	})
	if err != nil {
		return err
	}
	var moved store.Message
	if ok && found && s == o.Other() {
		if moved, err = r.findIn(ctx, o, dest, in); err != nil {
			return err
		}
	}
	if moved.UID != 0 {
		if err := r.finishMove(ctx, o, store.UID(in.SourceUID)); err != nil {
			return err
		}
	}
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		if moved.UID == 0 {
			return tx.DropIntent(in.ID)
		}
		return r.resolveMove(tx, in, dest.ID, o, destUID, moved)
	})
}

// finishMove expunges the original of a move whose copy reached the
// destination: a store without atomic MOVE copies then expunges, and an
// interruption between the two leaves both.
func (r *mailboxRun) finishMove(ctx context.Context, o Side, uid store.UID) error {
	b, err := r.e.st[o].OpenMailbox(ctx, r.names[o])
	if err != nil {
		return fmt.Errorf("open %s mailbox %q: %w", o, r.names[o], err)
	}
	defer b.Close()
	if err := b.Expunge(ctx, []store.UID{uid}); err != nil {
		return fmt.Errorf("finish the move of %s UID %d in %q: %w", o, uid, r.names[o], err)
	}
	return nil
}

// resolveMove records a recovered move: the pair leaves this mailbox for
// dest with its UIDs there.
func (r *mailboxRun) resolveMove(tx *statedb.Tx, in statedb.Intent, dest statedb.MailboxID, o Side, destUID store.UID, moved store.Message) error {
	p, ok, err := pairBySide(tx, r.row.ID, o, store.UID(in.SourceUID))
	if err != nil {
		return err
	}
	if !ok {
		return tx.DropIntent(in.ID)
	}
	if err := tx.DeletePair(statedb.PairID(p.ID)); err != nil {
		return err
	}
	p.ID, p.Flags = 0, moved.Flags
	p.UID[o], p.UID[o.Other()] = moved.UID, destUID
	dp, err := toDB(dest, p)
	if err != nil {
		return err
	}
	_, err = tx.ResolveIntent(in.ID, dp)
	return err
}

// findIn looks for the moved copy in the destination mailbox on side o,
// by identity, at or above the floor the intent recorded, among the
// messages no pair of the destination claims.
func (r *mailboxRun) findIn(ctx context.Context, o Side, dest statedb.Mailbox, in statedb.Intent) (store.Message, error) {
	name := rowName(dest, o)
	b, err := r.e.st[o].OpenMailbox(ctx, name)
	if err != nil {
		return store.Message{}, fmt.Errorf("open %s mailbox %q: %w", o, name, err)
	}
	defer b.Close()
	id := store.MakeIdentity(in.MessageID, string(in.HeaderHash), in.Size)
	paired := func(u store.UID) (bool, error) {
		var ok bool
		err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
			var err error
			_, ok, err = pairBySide(tx, dest.ID, o, u)
			return err
		})
		return ok, err
	}
	found, err := matchListing(ctx, b, store.UID(in.SearchFloor), []store.Identity{id}, paired)
	if err != nil {
		return store.Message{}, err
	}
	return found[0], nil
}

// parseMoveTemp reads the "side:uid" a move intent keeps in TempID: where
// the move was seen and the message's UID there in the destination.
func parseMoveTemp(t string) (Side, store.UID, bool) {
	side, uid, ok := strings.Cut(t, ":")
	n, err := strconv.ParseUint(uid, 10, 32)
	if !ok || err != nil || n == 0 {
		return 0, 0, false
	}
	switch side {
	case Far.String():
		return Far, store.UID(n), true
	case Near.String():
		return Near, store.UID(n), true
	}
	return 0, 0, false
}
