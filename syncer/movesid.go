package syncer

import (
	"context"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Moves by stable id. An IMAP server reports no moves (VANISHED does not
// say where a message went), but with stable ids (RFC 8474 EMAILID, Gmail
// X-GM-MSGID; Features.StableIDs) a message vanished from mailbox A that
// appears in B with the same id was moved. The far pass therefore hands
// the ledger its vanished pairs that carry an id (instead of deleting their
// near copies at once), and every pass hands it its new far messages whose
// id a pair of another mailbox carries. Matched, they are moved like the
// moves a store reports; left alone, the vanished become deletions (under
// the deletion guard) and the new ones copies, as they would have been.
//
// A pair's EmailID is the far side's: a copy from near to far records
// none, so only messages that came from the far side (or were adopted)
// can be followed this way.

// claimOutsByID hands the ledger the far side's vanished pairs with an id.
func (l *moveLedger) claimOutsByID(r *mailboxRun, in *MailboxInput) {
	if !r.feat[Far].StableIDs || len(l.rows[Far]) < 2 {
		return
	}
	kept := in.Delta[Far].Vanished[:0:0]
	for _, u := range in.Delta[Far].Vanished {
		p := findPair(in.Pairs, Far, u)
		if p == nil || p.OneSided() || p.EmailID == "" || touched(in, Near, p) {
			kept = append(kept, u)
			continue
		}
		l.outs = append(l.outs, moveOut{src: r.row.ID, side: Far, pair: *p, byID: true})
		l.waiting[r.row.ID] = r
	}
	in.Delta[Far].Vanished = kept
}

// claimInsByID hands the ledger the new far messages whose id a pair of
// another synchronized mailbox carries.
func (l *moveLedger) claimInsByID(ctx context.Context, r *mailboxRun, in *MailboxInput) error {
	if !r.feat[Far].StableIDs || len(l.rows[Far]) < 2 {
		return nil
	}
	synced := map[statedb.MailboxID]bool{}
	for _, row := range l.rows[Far] {
		synced[row.ID] = true
	}
	kept := in.Delta[Far].New[:0:0]
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		kept = kept[:0]
		for _, m := range in.Delta[Far].New {
			src, uid, err := pairElsewhere(tx, m, r.row.ID, synced)
			if err != nil {
				return err
			}
			if src == 0 {
				kept = append(kept, m)
				continue
			}
			l.ins = append(l.ins, moveIn{dest: r.row.ID, side: Far, msg: m, src: src, srcUID: uid})
			l.waiting[r.row.ID] = r
		}
		return nil
	})
	if err != nil {
		return err
	}
	in.Delta[Far].New = kept
	return nil
}

// pairElsewhere finds a two-sided pair of another synchronized mailbox
// with m's stable id; src is 0 when there is none.
func pairElsewhere(tx *statedb.Tx, m store.Message, here statedb.MailboxID, synced map[statedb.MailboxID]bool) (statedb.MailboxID, store.UID, error) {
	if m.EmailID == "" {
		return 0, 0, nil
	}
	pairs, err := tx.PairsByEmailID(0, m.EmailID)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range pairs {
		if p.Mailbox != here && synced[p.Mailbox] && p.FarUID != 0 && p.NearUID != 0 {
			return p.Mailbox, store.UID(p.FarUID), nil
		}
	}
	return 0, 0, nil
}
