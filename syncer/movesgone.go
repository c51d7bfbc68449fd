package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// A message moved on side S from mailbox A to B while it was deleted on
// the other side in A reaches the ledger as a move-in into B without a
// move-out (A's pass saw the message vanish on both sides and forgot the
// pair). Copied like any new message, it would come back on the side that
// deleted it. The deletion follows the move instead: the moved copy is
// expunged in B, when the settings let deletions from the other side
// expunge on S, the other side's B holds no message of that Message-ID
// (the message vanished from A there because it went to B too: moved by
// an interrupted run, or by the user without the store reporting it) and
// the account's deletion guard agrees; otherwise it is copied as before.

// The engine's own expunges must not read as deletions by the user: a
// run killed after it expunged a message (carrying a deletion or a move
// seen as a deletion over) and before it recorded the pair leaves the
// message vanished on both sides, as the race above does. So the UIDs a
// pass is about to expunge are noted first (expungingKey), and the note
// is cleared with the pairs' new state; a note left by a killed run tells
// the next run which vanished UIDs were its own doing.

func expungingKey(id statedb.MailboxID) string {
	return "syncer.expunging." + strconv.FormatInt(int64(id), 10)
}

// noteExpunging records the UIDs the updates are about to expunge.
func (r *mailboxRun) noteExpunging(ctx context.Context, ups []PairUpdate, ok []bool) error {
	var uids [2][]store.UID
	for i, u := range ups {
		for s := Far; s <= Near; s++ {
			if u.Expunge[s] && ok[i] {
				uids[s] = append(uids[s], u.Old.UID[s])
			}
		}
	}
	if len(uids[Far])+len(uids[Near]) == 0 {
		return nil
	}
	b, err := json.Marshal(uids)
	if err != nil {
		return err
	}
	return r.e.update(ctx, func(tx *statedb.Tx) error { return tx.SetMeta(expungingKey(r.row.ID), string(b)) })
}

// ownExpunges returns the UIDs a killed run noted it was expunging in this
// mailbox pair, per side.
func (r *mailboxRun) ownExpunges(ctx context.Context) ([2][]store.UID, error) {
	var uids [2][]store.UID
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		v, found, err := tx.Meta(expungingKey(r.row.ID))
		if err != nil || !found {
			return err
		}
		return json.Unmarshal([]byte(v), &uids)
	})
	return uids, err
}

// goneKey names a pair by mailbox pair, side and UID on that side.
type goneKey struct {
	mb   statedb.MailboxID
	side Side
	uid  store.UID
}

// noteGone records the two-sided pairs plan p forgets because their
// message vanished on both sides (rule 3), by each side's UID, leaving
// out those a killed run expunged itself (own).
func (l *moveLedger) noteGone(mb statedb.MailboxID, p Plan, own [2][]store.UID) {
	for _, u := range p.Updates {
		if !u.Delete || u.Expunge[Far] || u.Expunge[Near] || u.Old.OneSided() || u.Old.UID[Far] == 0 ||
			slices.Contains(own[Far], u.Old.UID[Far]) || slices.Contains(own[Near], u.Old.UID[Near]) {
			continue
		}
		if l.gone == nil {
			l.gone = map[goneKey]Pair{}
		}
		for s := Far; s <= Near; s++ {
			l.gone[goneKey{mb, s, u.Old.UID[s]}] = u.Old
		}
	}
}

// deletedElsewhere reports whether move-in in (not matched by a move-out)
// brings a message that was deleted on the other side in its source
// mailbox, and moved on in.side only (a message moved on both sides is
// no deletion).
func (l *moveLedger) deletedElsewhere(in moveIn) bool {
	p, ok := l.gone[goneKey{in.src, in.side, in.srcUID}]
	if !ok {
		return false
	}
	o := in.side.Other()
	for _, other := range l.ins {
		if other.src == in.src && other.side == o && other.srcUID == p.UID[o] {
			return false
		}
	}
	return true
}

// followDeletion expunges the moved copy of in where it was moved to, or
// copies it as inAlone does when the settings or the guard forbid the
// deletion.
func (l *moveLedger) followDeletion(ctx context.Context, in moveIn) error {
	o := in.side.Other()
	if !l.e.opts.Expunge.On(in.side) || !l.e.opts.Sync.allows(o, SyncGone) {
		return l.inAlone(ctx, in)
	}
	r := l.waiting[in.dest]
	var there bool
	err := r.reopen(ctx, func() error {
		if in.msg.MessageID == "" {
			there = true // nothing to tell it by: do not delete
			return nil
		}
		ms, err := r.box[o].Find(ctx, store.Query{MessageID: in.msg.MessageID})
		there = len(ms) > 0
		return err
	})
	if err != nil || there {
		return errors.Join(err, l.inAlone(ctx, in))
	}
	why, err := l.guard.reserve(ctx, 0, 1)
	if err != nil {
		return err
	}
	if why != "" {
		return l.inAlone(ctx, in)
	}
	l.e.note(r.name, fmt.Sprintf("%s UID %d was moved here on the %s side and deleted on the %s side: deleted here too",
		in.side, in.msg.UID, in.side, o))
	err = r.reopen(ctx, func() error { return r.box[in.side].Expunge(ctx, []store.UID{in.msg.UID}) })
	if err == nil {
		r.rep.Deleted[in.side]++
	}
	return err
}
