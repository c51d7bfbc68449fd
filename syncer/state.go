package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// This file is the engine's only door to the state database: conversions
// between the engine's types and statedb's, and the few composite reads
// the scan needs. No SQL here either: statedb's typed API only.

var dbSide = [2]statedb.Side{statedb.Far, statedb.Near}

// sideOf converts statedb's side name.
func sideOf(s statedb.Side) Side {
	if s == statedb.Near {
		return Near
	}
	return Far
}

// flagSet converts flags to the database's canonical text.
func flagSet(fs store.Flags) (statedb.FlagSet, error) {
	items := make([]string, len(fs))
	for i, f := range fs {
		items[i] = string(f)
	}
	return statedb.MakeFlagSet(items...)
}

// labelSet converts Gmail labels to the database's canonical text.
func labelSet(ls []string) (statedb.FlagSet, error) { return statedb.MakeFlagSet(ls...) }

// fromDB converts a stored pair.
func fromDB(p statedb.Pair) Pair {
	return Pair{
		ID: int64(p.ID), UID: [2]store.UID{store.UID(p.FarUID), store.UID(p.NearUID)},
		Flags: store.ParseFlags(strings.Join(p.Flags.Items(), " ")), Labels: p.Labels.Items(),
		Size: p.Size, InternalDate: p.InternalDate, MessageID: p.MessageID, EmailID: p.EmailID,
		HeaderHash: string(p.HeaderHash),
	}
}

// toDB converts a pair for mailbox mb.
func toDB(mb statedb.MailboxID, p Pair) (statedb.Pair, error) {
	fs, err := flagSet(p.Flags)
	if err != nil {
		return statedb.Pair{}, fmt.Errorf("pair far UID %d near UID %d: %w", p.UID[Far], p.UID[Near], err)
	}
	ls, err := labelSet(p.Labels)
	if err != nil {
		return statedb.Pair{}, fmt.Errorf("pair far UID %d near UID %d: %w", p.UID[Far], p.UID[Near], err)
	}
	hh := hashBytes(p.HeaderHash)
	return statedb.Pair{
		ID: statedb.PairID(p.ID), Mailbox: mb, FarUID: uint32(p.UID[Far]), NearUID: uint32(p.UID[Near]),
		Flags: fs, Labels: ls, Size: max(p.Size, 0), InternalDate: p.InternalDate,
		MessageID: p.MessageID, EmailID: p.EmailID, HeaderHash: hh,
	}, nil
}

// hashBytes is a header hash as statedb keeps it (nil: none).
func hashBytes(h string) []byte {
	if h == "" {
		return nil
	}
	return []byte(h)
}

// identity is the identity of the message pair p records.
func (p *Pair) identity() store.Identity {
	return store.MakeIdentity(p.MessageID, p.HeaderHash, p.Size)
}

// pairFromMessage is the pair recorded when message m of side s got its
// copy other on the other side. The pair's EmailID is the far side's.
func pairFromMessage(s Side, m store.Message, other store.UID) Pair {
	p := Pair{Flags: m.Flags, Labels: m.Labels, Size: m.Size, InternalDate: m.InternalDate,
		MessageID: m.MessageID, HeaderHash: m.HeaderHash}
	if s == Far {
		p.EmailID = m.EmailID
	}
	p.UID[s] = m.UID
	p.UID[s.Other()] = other
	return p
}

// putPair writes p (insert when p.ID is 0) in tx.
func putPair(tx *statedb.Tx, mb statedb.MailboxID, p Pair) error {
	dp, err := toDB(mb, p)
	if err != nil {
		return err
	}
	_, err = tx.PutPair(dp)
	return err
}

// pairBySide returns the pair of mb that has uid on side s.
func pairBySide(tx *statedb.Tx, mb statedb.MailboxID, s Side, uid store.UID) (Pair, bool, error) {
	var p statedb.Pair
	var ok bool
	var err error
	if s == Far {
		p, ok, err = tx.PairByFarUID(mb, uint32(uid))
	} else {
		p, ok, err = tx.PairByNearUID(mb, uint32(uid))
	}
	if err != nil || !ok {
		return Pair{}, ok, err
	}
	return fromDB(p), true, nil
}

// pairRef is the little of a pair a full listing is merged against.
type pairRef struct {
	uid    store.UID // on the side being merged
	id     int64
	flags  statedb.FlagSet
	labels statedb.FlagSet
}

// pairRefs returns the pairs of mb that have a UID on side s, as refs
// sorted by that UID. It holds about 40 bytes per pair in memory; statedb
// has no iteration in near-UID order (see the report), so both sides use
// this one path.
func pairRefs(ctx context.Context, db *statedb.DB, mb statedb.MailboxID, s Side) ([]pairRef, error) {
	var out []pairRef
	err := db.View(ctx, func(tx *statedb.Tx) error {
		out = out[:0]
		return tx.IteratePairs(mb, func(p statedb.Pair) error {
			u := p.FarUID
			if s == Near {
				u = p.NearUID
			}
			if u != 0 {
				out = append(out, pairRef{uid: store.UID(u), id: int64(p.ID), flags: p.Flags, labels: p.Labels})
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b pairRef) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

// loadPairs reads the pairs with the given ids.
func loadPairs(ctx context.Context, db *statedb.DB, ids []int64) ([]Pair, error) {
	out := make([]Pair, 0, len(ids))
	err := db.View(ctx, func(tx *statedb.Tx) error {
		out = out[:0]
		for _, id := range ids {
			p, ok, err := tx.Pair(statedb.PairID(id))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, fromDB(p))
			}
		}
		return nil
	})
	return out, err
}

// The checkpoint of a side is kept in one place: the mailbox row's
// UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and checkpoint token columns of that
// side, together exactly a store.Checkpoint. It is the checkpoint the
// store returned for the scan of the last run that completed (every
// change up to it applied, RFC 7162 §6), with its UIDNEXT raised above the
// UIDs that run created itself (appends, moves), so that the store need
// not report the engine's own messages back as new. Nothing else raises
// it: pairs created by a run that recorded no checkpoint (a crash, held
// deletions, a failed message) may have UIDs at or above it, which is why
// a store reports every vanished UID it is asked about, whatever the
// checkpoint's UIDNEXT (see store.Mailbox.Changes), and why a pending
// copy is searched for from the floor its intent recorded, not from this
// UIDNEXT. A row with only a UIDVALIDITY has no checkpoint yet: the next
// scan lists in full.

// checkpointOf returns the recorded checkpoint of side s of m.
func checkpointOf(m statedb.Mailbox, s Side) store.Checkpoint {
	if s == Far {
		return store.Checkpoint{UIDValidity: m.FarUIDValidity, UIDNext: store.UID(m.FarUIDNext),
			HighestModSeq: store.ModSeq(m.FarHighestModSeq), Token: m.FarCheckpoint}
	}
	return store.Checkpoint{UIDValidity: m.NearUIDValidity, UIDNext: store.UID(m.NearUIDNext),
		HighestModSeq: store.ModSeq(m.NearHighestModSeq), Token: m.NearCheckpoint}
}

// setCheckpoint records cp as side s's checkpoint in m (the caller writes
// m).
func setCheckpoint(m *statedb.Mailbox, s Side, cp store.Checkpoint) {
	if s == Far {
		m.FarUIDValidity, m.FarUIDNext, m.FarHighestModSeq, m.FarCheckpoint =
			cp.UIDValidity, uint32(cp.UIDNext), uint64(cp.HighestModSeq), cp.Token
		return
	}
	m.NearUIDValidity, m.NearUIDNext, m.NearHighestModSeq, m.NearCheckpoint =
		cp.UIDValidity, uint32(cp.UIDNext), uint64(cp.HighestModSeq), cp.Token
}

// uidValidity returns the recorded UIDVALIDITY of side s (0: none yet).
func uidValidity(m statedb.Mailbox, s Side) uint32 {
	if s == Far {
		return m.FarUIDValidity
	}
	return m.NearUIDValidity
}
