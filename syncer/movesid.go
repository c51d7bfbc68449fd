package syncer

import (
	"slices"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Moves by stable id. An IMAP server reports no moves (VANISHED does not
// say where a message went), but with stable ids (RFC 8474 EMAILID, Gmail
// X-GM-MSGID; Features.StableIDs) a message vanished from mailbox A that
// appears in B with the same id was moved. The far pass's planner
// therefore hands back its vanished pairs that carry an id (instead of
// deleting their near copies at once), and every pass's planner its new far
// messages whose id a pair of another mailbox carries (looked up by the
// ledger beforehand: MoveInput.Elsewhere). Matched, they are moved like the
// moves a store reports; left alone, the vanished become deletions (under
// the deletion guard) and the new ones copies, as they would have been.
//
// A pair's EmailID is the far side's: a copy from near to far records
// none, so only messages that came from the far side (or were adopted)
// can be followed this way.

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

// Moves by identity. A mail reader that moves a file to another folder
// under a new unique name (mu4e with mu4e-change-filenames-when-moving,
// mutt and neomutt, which write a new file and remove the old one, afew
// with rename = true) leaves nothing a Maildir store can follow: one
// folder loses a message and another gains one. The near pass's planner
// therefore hands back its vanished two-sided pairs whose message has an
// identity (store.Identity), and every pass's planner its new near
// messages whose identity a two-sided pair of another synchronized
// mailbox carries (MoveInput.NearElsewhere). The ledger pairs a move-out
// with a move-in of the same identity in another mailbox and moves the
// far copy (UID MOVE: no upload, the server's keywords and other UID-based
// data stay); left alone, they become a deletion and a copy as before.

// identityElsewhere reports whether a two-sided pair of another
// synchronized mailbox carries the identity of m.
func identityElsewhere(tx *statedb.Tx, m store.Message, here statedb.MailboxID, synced map[statedb.MailboxID]bool) (bool, error) {
	srcs, err := identitySources(tx, m, here, synced)
	return len(srcs) > 0, err
}

// identitySources returns the other synchronized mailboxes with a
// two-sided pair carrying the identity of m: where a new near message
// of that identity may have been moved from.
func identitySources(tx *statedb.Tx, m store.Message, here statedb.MailboxID, synced map[statedb.MailboxID]bool) ([]statedb.MailboxID, error) {
	id := store.IdentityOf(m)
	if !id.Known() || m.Replaces != 0 {
		return nil, nil
	}
	var pairs []statedb.Pair
	var err error
	if store.NormalizeMessageID(m.MessageID) != "" {
		pairs, err = tx.PairsByMessageID(0, m.MessageID)
	} else {
		pairs, err = tx.PairsByHeaderHash(0, hashBytes(m.HeaderHash))
	}
	if err != nil {
		return nil, err
	}
	var srcs []statedb.MailboxID
	for _, p := range pairs {
		if p.Mailbox != here && synced[p.Mailbox] && p.FarUID != 0 && p.NearUID != 0 &&
			store.MakeIdentity(p.MessageID, string(p.HeaderHash), p.Size).Same(id) && !slices.Contains(srcs, p.Mailbox) {
			srcs = append(srcs, p.Mailbox)
		}
	}
	return srcs, nil
}
