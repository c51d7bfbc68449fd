package syncer

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// groupKey identifies the moves carried out together: same source and
// destination mailbox pair, reported on the same side.
type groupKey struct {
	src, dest statedb.MailboxID
	side      Side
}

// moveGroup is a batch of matched moves.
type moveGroup struct {
	groupKey
	jobs []moveJob
}

// moveJob is one matched move and what carrying it out found.
type moveJob struct {
	out    moveOut
	in     moveIn
	merge  FlagMerge
	intent statedb.IntentID
	newUID store.UID // of the moved copy on the other side; 0 if unknown
}

// moveGroup carries out a batch of matched moves, intent before effect:
// one transaction of intents, the flags merged onto the other side's
// copies (grouped by identical change), one Move of all of them (the flags
// travel with the messages), the new UIDs the store could not tell found
// again, and one transaction moving the pairs from the source mailbox pair
// to the destination. It holds one mailbox open at a time, so a store with
// a single connection left cannot deadlock.
func (l *moveLedger) moveGroup(ctx context.Context, g *moveGroup) error {
	src, dest := l.waiting[g.src], l.waiting[g.dest]
	o := g.side.Other()
	if l.e.opts.DryRun {
		src.rep.Moved[o] += len(g.jobs)
		for _, j := range g.jobs {
			src.actMove(o, j.out.pair, 0, dest.names[o])
		}
		return nil
	}
	kws := [2]bool{src.feat[Far].Keywords, src.feat[Near].Keywords}
	for i := range g.jobs {
		j := &g.jobs[i]
		var known [2]bool
		known[g.side] = true
		cur := j.in.msg.Flags
		if kws[Near] {
			cur = cur.Union(j.movedKeywords())
		}
		mi := MergeInput{Agreed: j.out.pair.Flags, Cur: [2]store.Flags{cur, cur},
			Known: known, Keywords: kws, Sync: l.e.opts.Sync}
		if f := j.out.farNow; f != nil && g.side == Near {
			mi.Cur[Far], mi.Known[Far] = f.Flags, true
		}
		j.merge = MergeFlags(mi)
	}
	if g.side == Near {
		if err := l.updateMovedNear(ctx, dest.names[Near], g.jobs, kws[Near]); err != nil {
			return err
		}
	}
	minUID, err := l.uidNext(ctx, o, dest.names[o])
	if err != nil {
		return err
	}
	if err := l.addMoveIntents(ctx, g, o, minUID); err != nil {
		return err
	}
	if err := l.moveBatch(ctx, o, src.names[o], dest.names[o], g.jobs); err != nil {
		return err
	}
	if err := l.findMoved(ctx, o, dest, g.jobs, minUID); err != nil {
		return err
	}
	return l.resolveMoves(ctx, g, o)
}

// movedKeywords returns the keywords the pair agreed on when the message
// was moved by a mail reader (on the near side): the file keeps its old
// folder's keyword letters, which the destination's dovecot-keywords may
// not name or may name otherwise. A move is not a keyword removal, so
// they are kept, and written to the moved file (updateMovedNear).
func (j *moveJob) movedKeywords() store.Flags {
	if j.out.side != Near {
		return nil
	}
	return keywordsOf(j.out.pair.Flags)
}

// updateMovedNear gives the near copies of messages a mail reader moved
// the keywords they had (movedKeywords, when the near store keeps
// keywords) and the far side's flag changes since the last sync (the
// merge's near half), before the move is recorded: a run cut short sees
// the same move again.
func (l *moveLedger) updateMovedNear(ctx context.Context, name string, jobs []moveJob, keywords bool) error {
	var b store.Mailbox
	for _, j := range jobs {
		var add store.Flags
		if keywords {
			add = j.movedKeywords()
		}
		add = add.Union(j.merge.Add[Near])
		if len(add) == 0 && len(j.merge.Remove[Near]) == 0 {
			continue
		}
		if b == nil {
			var err error
			if b, err = l.e.st[Near].OpenMailbox(ctx, name); err != nil {
				return fmt.Errorf("open near mailbox %q: %w", name, err)
			}
			defer b.Close()
		}
		ch := store.FlagChange{UIDs: []store.UID{j.in.msg.UID}, Add: add, Remove: j.merge.Remove[Near]}
		if _, err := b.UpdateFlags(ctx, ch); err != nil {
			return fmt.Errorf("update flags of moved near UID %d in %q: %w", j.in.msg.UID, name, err)
		}
	}
	return nil
}

// addMoveIntents commits one intent per job, in one transaction.
func (l *moveLedger) addMoveIntents(ctx context.Context, g *moveGroup, o Side, floor store.UID) error {
	return l.e.update(ctx, func(tx *statedb.Tx) error {
		for i := range g.jobs {
			j := &g.jobs[i]
			id, err := tx.AddIntent(statedb.Intent{
				Mailbox: g.src, Kind: statedb.IntentMove, Source: dbSide[o], SourceUID: uint32(j.out.pair.UID[o]),
				TargetMailbox: g.dest, MessageID: j.out.pair.MessageID, Size: max(j.out.pair.Size, 0),
				InternalDate: j.out.pair.InternalDate, TempID: fmt.Sprintf("%s:%d", g.side, j.in.msg.UID),
				HeaderHash: hashBytes(j.out.pair.HeaderHash), SearchFloor: uint32(floor),
			})
			if err != nil {
				return err
			}
			j.intent = id
		}
		return nil
	})
}

// moveBatch sets the merged flags on the copies in mailbox from on side o
// and moves them all to mailbox to, noting the new UIDs the store tells.
func (l *moveLedger) moveBatch(ctx context.Context, o Side, from, to string, jobs []moveJob) error {
	b, err := l.e.st[o].OpenMailbox(ctx, from)
	if err != nil {
		return fmt.Errorf("open %s mailbox %q to move: %w", o, from, err)
	}
	defer b.Close()
	groups := map[string]*store.FlagChange{}
	var order []string
	uids := make([]store.UID, len(jobs))
	for i, j := range jobs {
		uids[i] = j.out.pair.UID[o]
		if !j.merge.Changes(o) {
			continue
		}
		k := j.merge.Add[o].String() + "\x00" + j.merge.Remove[o].String()
		if groups[k] == nil {
			groups[k] = &store.FlagChange{Add: j.merge.Add[o], Remove: j.merge.Remove[o]}
			order = append(order, k)
		}
		groups[k].UIDs = append(groups[k].UIDs, uids[i])
	}
	for _, k := range order {
		if _, err := b.UpdateFlags(ctx, *groups[k]); err != nil {
			return fmt.Errorf("update flags in %s mailbox %q before moving: %w", o, from, err)
		}
	}
	got, err := b.Move(ctx, uids, to)
	if err != nil {
		return fmt.Errorf("move %d messages in %s mailbox %q to %q: %w", len(uids), o, from, to, err)
	}
	for i := range jobs {
		jobs[i].newUID = got[uids[i]]
	}
	return nil
}

// uidNext returns the current UIDNEXT of mailbox name on side s.
func (l *moveLedger) uidNext(ctx context.Context, s Side, name string) (store.UID, error) {
	b, err := l.e.st[s].OpenMailbox(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("open %s mailbox %q: %w", s, name, err)
	}
	defer b.Close()
	return b.Status().UIDNext, nil
}

// findMoved looks up the moved copies whose new UID the store could not
// tell, at or above minUID in the destination, by identity, each claimed
// once.
func (l *moveLedger) findMoved(ctx context.Context, s Side, dest *mailboxRun, jobs []moveJob, minUID store.UID) error {
	var ids []store.Identity
	var idx []int
	taken := map[store.UID]bool{}
	for i, j := range jobs {
		taken[j.newUID] = j.newUID != 0
		if j.newUID == 0 {
			ids = append(ids, j.out.pair.identity())
			idx = append(idx, i)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	b, err := l.e.st[s].OpenMailbox(ctx, dest.names[s])
	if err != nil {
		return fmt.Errorf("open %s mailbox %q: %w", s, dest.names[s], err)
	}
	defer b.Close()
	found, err := matchListing(ctx, b, minUID, ids, func(u store.UID) (bool, error) { return taken[u], nil })
	if err != nil {
		return fmt.Errorf("find moved messages in %s mailbox %q: %w", s, dest.names[s], err)
	}
	for k, i := range idx {
		jobs[i].newUID = found[k].UID
	}
	return nil
}

// matchListing lists b from minUID and finds, for each identity in turn,
// the first message of that identity (store.Identity.Same), failing that
// the one message with the same key, that skip does not exclude and no
// earlier identity took; a zero Message where there is none.
func matchListing(ctx context.Context, b store.Mailbox, minUID store.UID, ids []store.Identity, skip func(store.UID) (bool, error)) ([]store.Message, error) {
	byKey := map[string][]store.Message{}
	err := b.List(ctx, store.ListOptions{MinUID: minUID, WithMessageID: true}, func(ms []store.Message) error {
		for _, m := range ms {
			if k := store.IdentityOf(m).Key; k != "" {
				byKey[k] = append(byKey[k], copyMessage(m))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.Message, len(ids))
	used := map[store.UID]bool{}
	for i, id := range ids {
		var same, like []store.Message
		for _, c := range byKey[id.Key] {
			if !id.Known() || used[c.UID] {
				continue
			}
			if ex, err := skip(c.UID); err != nil || ex {
				if err != nil {
					return nil, err
				}
				continue
			}
			if store.IdentityOf(c).Same(id) {
				same = append(same, c)
			} else {
				like = append(like, c)
			}
		}
		switch {
		case len(same) > 0:
			out[i] = same[0]
		case len(like) == 1:
			out[i] = like[0]
		}
		used[out[i].UID] = out[i].UID != 0
	}
	return out, nil
}

// resolveMoves moves the pairs in one transaction: each leaves the source
// mailbox pair and is recorded in the destination with the moved copies'
// UIDs. A copy that could not be found again loses its pair (the next run
// sees it as new in the destination); its intent is dropped.
func (l *moveLedger) resolveMoves(ctx context.Context, g *moveGroup, o Side) error {
	src, dest := l.waiting[g.src], l.waiting[g.dest]
	moved := 0
	err := l.e.update(ctx, func(tx *statedb.Tx) error {
		moved = 0
		for _, j := range g.jobs {
			if err := tx.DeletePair(statedb.PairID(j.out.pair.ID)); err != nil {
				return err
			}
			if j.newUID == 0 {
				if err := tx.DropIntent(j.intent); err != nil {
					return err
				}
				continue
			}
			p := j.out.pair
			p.ID, p.Flags = 0, j.merge.Agreed
			p.UID[g.side], p.UID[o] = j.in.msg.UID, j.newUID
			dp, err := toDB(g.dest, p)
			if err != nil {
				return err
			}
			if _, err := tx.ResolveIntent(j.intent, dp); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return err
	}
	src.rep.Moved[o] += moved
	for _, j := range g.jobs {
		dest.assigned[o] = max(dest.assigned[o], j.newUID)
		if j.newUID != 0 {
			src.actMove(o, j.out.pair, j.newUID, dest.names[o])
		}
	}
	return nil
}
