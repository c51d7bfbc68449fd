package syncer

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// recoverIntents resolves the intents a previous run left pending in this
// mailbox pair, before anything else is looked at. For a copy: if the
// target holds the message (found by its identity, store.Identity, at or
// above the floor the intent recorded — the target's UIDNEXT before the
// copy — and not yet paired), the pair is recorded; otherwise the intent
// is dropped and the copy is planned again by this run's scan (the
// checkpoint was not advanced, so the change is still reported).
//
// Under DryRun nothing is resolved: pending intents are reported.
func (r *mailboxRun) recoverIntents(ctx context.Context) error {
	if r.row.ID == 0 {
		return nil // a mailbox pair never recorded (dry run)
	}
	var intents []statedb.Intent
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		intents, err = tx.PendingIntents(r.row.ID)
		return err
	})
	if err != nil || len(intents) == 0 {
		return err
	}
	if r.e.opts.DryRun {
		r.e.note(r.name, fmt.Sprintf("%d pending intents from an interrupted run would be resolved first", len(intents)))
		return nil
	}
	taken := map[store.UID]bool{}
	finders := r.intentFinders(intents)
	for _, in := range intents {
		if in.Mailbox != r.row.ID {
			continue // a move into this mailbox: resolved by its source
		}
		if err := r.recoverOne(ctx, in, finders, taken); err != nil {
			return fmt.Errorf("resolve pending intent %d (%s %s UID %d): %w", in.ID, in.Kind, in.Source, in.SourceUID, err)
		}
	}
	return nil
}

// intentFinders returns one finder per target side, listing from the
// lowest floor of the copy intents into that side (one listing for all).
func (r *mailboxRun) intentFinders(intents []statedb.Intent) map[Side]*finder {
	floor := [2]store.UID{^store.UID(0), ^store.UID(0)}
	for _, in := range intents {
		to := sideOf(in.Source).Other()
		floor[to] = min(floor[to], store.UID(in.SearchFloor))
	}
	return map[Side]*finder{Far: r.newFinder(Far, floor[Far]), Near: r.newFinder(Near, floor[Near])}
}

// recoverOne resolves one pending intent.
func (r *mailboxRun) recoverOne(ctx context.Context, in statedb.Intent, finders map[Side]*finder, taken map[store.UID]bool) error {
	switch in.Kind {
	case statedb.IntentCopyToNear, statedb.IntentCopyToFar:
		return r.recoverCopy(ctx, in, finders, taken)
	case statedb.IntentMove:
		return nil // resolved at the account level first (recoverMoves)
	}
	r.e.warn(r.name, fmt.Sprintf("dropping pending intent %d of unknown kind %q", in.ID, in.Kind))
	return r.e.update(ctx, func(tx *statedb.Tx) error { return tx.DropIntent(in.ID) })
}

// recoverCopy resolves a copy intent.
func (r *mailboxRun) recoverCopy(ctx context.Context, in statedb.Intent, finders map[Side]*finder, taken map[store.UID]bool) error {
	from := sideOf(in.Source)
	to := from.Other()
	src := store.Message{UID: store.UID(in.SourceUID), MessageID: in.MessageID, Size: in.Size, InternalDate: in.InternalDate,
		HeaderHash: string(in.HeaderHash)}
	found, gone, err := r.noted(ctx, finders[to], in, store.IdentityOf(src), taken)
	if err == nil && found.UID == 0 && !gone {
		found, err = r.locate(ctx, finders[to], store.IdentityOf(src), taken, store.UID(in.SearchFloor))
	}
	if err != nil {
		return err
	}
	var already bool
	if err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		_, ok, err := pairBySide(tx, r.row.ID, from, src.UID)
		already = ok
		return err
	}); err != nil {
		return err
	}
	uid := found.UID
	if uid == 0 || already {
		return r.e.update(ctx, func(tx *statedb.Tx) error { return tx.DropIntent(in.ID) })
	}
	taken[uid] = true
	src.Flags = found.Flags
	if gone {
		r.e.note(r.name, fmt.Sprintf("interrupted copy of %s UID %d was made as %s UID %d and deleted since: "+
			"the deletion is carried over", from, src.UID, to, uid))
	} else {
		r.e.note(r.name, fmt.Sprintf("interrupted copy of %s UID %d found as %s UID %d", from, src.UID, to, uid))
	}
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		p := pairFromMessage(from, src, uid)
		dp, err := toDB(r.row.ID, p)
		if err != nil {
			return err
		}
		_, err = tx.ResolveIntent(in.ID, dp)
		return err
	})
}

// noted looks at the UID the intent noted for its copy (the target told it
// before the copy was made durable). The copy found under it (same
// Message-ID or header hash) is returned. A noted UID below the target's
// UIDNEXT that is gone names a copy that was made durable and deleted (or
// moved) since by someone else: gone is true and found carries only that
// UID, so the pair is recorded and this run's scan carries the deletion
// over. A store never lets UIDNEXT pass a UID whose copy did not become
// durable (see store.Mailbox.Append), so nothing lost by a crash is taken
// for deleted.
func (r *mailboxRun) noted(ctx context.Context, f *finder, in statedb.Intent, id store.Identity, taken map[store.UID]bool) (found store.Message, gone bool, err error) {
	u := store.UID(in.TargetUID)
	if u == 0 || taken[u] || u >= r.box[f.to].Status().UIDNext {
		return store.Message{}, false, nil
	}
	if f.byKey == nil {
		if err := f.load(ctx); err != nil {
			return store.Message{}, false, fmt.Errorf("find copy in %s mailbox %q: %w", f.to, r.names[f.to], err)
		}
	}
	if paired, err := r.paired(ctx, f.to, u); err != nil || paired {
		return store.Message{}, false, err
	}
	m, ok := f.byUID[u]
	switch {
	case !ok:
		return store.Message{UID: u}, true, nil
	case store.IdentityOf(m).Like(id):
		return m, false, nil
	}
	return store.Message{}, false, nil
}
