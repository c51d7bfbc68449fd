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
	var hh []byte
	if p.HeaderHash != "" {
		hh = []byte(p.HeaderHash)
	}
	return statedb.Pair{
		ID: statedb.PairID(p.ID), Mailbox: mb, FarUID: uint32(p.UID[Far]), NearUID: uint32(p.UID[Near]),
		Flags: fs, Labels: ls, Size: max(p.Size, 0), InternalDate: p.InternalDate,
		MessageID: p.MessageID, EmailID: p.EmailID, HeaderHash: hh,
	}, nil
}

// pairFromMessage is the pair recorded when message m of side s got its
// copy other on the other side. The pair's EmailID is the far side's.
func pairFromMessage(s Side, m store.Message, other store.UID) Pair {
	p := Pair{Flags: m.Flags, Labels: m.Labels, Size: m.Size, InternalDate: m.InternalDate,
		MessageID: m.MessageID}
	if s == Far {
		p.EmailID = m.EmailID
	}
	p.UID[s] = m.UID
	p.UID[s.Other()] = other
	return p
}

// putPair writes p (insert when p.ID is 0) in tx, noting its UIDs in b.
func putPair(tx *statedb.Tx, mb statedb.MailboxID, p Pair, b *uidBump) error {
	dp, err := toDB(mb, p)
	if err != nil {
		return err
	}
	b.add(p)
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
	uid   store.UID // on the side being merged
	id    int64
	flags statedb.FlagSet
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
				out = append(out, pairRef{uid: store.UID(u), id: int64(p.ID), flags: p.Flags})
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

// checkpointKey is the meta key holding side s's checkpoint exactly as the
// store returned it (its Token included). The mailbox row keeps the
// UIDVALIDITY (authoritative for the identity check), the HIGHESTMODSEQ,
// and a UIDNEXT that is kept above every paired UID (the state's
// invariant) and is therefore not the store's checkpoint; statedb has no
// column for a checkpoint token (see the report).
func checkpointKey(mb statedb.MailboxID, s Side) string {
	return fmt.Sprintf("syncer.checkpoint.%d.%s", mb, s)
}

// checkpointOf returns the recorded checkpoint of side s of m; one with
// only a UIDVALIDITY when none is recorded.
func checkpointOf(tx *statedb.Tx, m statedb.Mailbox, s Side) (store.Checkpoint, error) {
	cp := store.Checkpoint{UIDValidity: uidValidity(m, s)}
	text, ok, err := tx.Meta(checkpointKey(m.ID, s))
	if err != nil || !ok {
		return cp, err
	}
	var got store.Checkpoint
	if _, err := fmt.Sscanf(text, "%d %d %d %q", &got.UIDValidity, &got.UIDNext, &got.HighestModSeq, &got.Token); err != nil {
		return cp, nil // unreadable: a full listing replaces it
	}
	if got.UIDValidity != cp.UIDValidity {
		return cp, nil
	}
	return got, nil
}

// setCheckpoint records cp as side s's checkpoint of m (in m and meta).
func setCheckpoint(tx *statedb.Tx, m *statedb.Mailbox, s Side, cp store.Checkpoint) error {
	v, next, ms := &m.FarUIDValidity, &m.FarUIDNext, &m.FarHighestModSeq
	if s == Near {
		v, next, ms = &m.NearUIDValidity, &m.NearUIDNext, &m.NearHighestModSeq
	}
	if *v != cp.UIDValidity {
		*next = 0 // the old UIDs mean nothing now
	}
	*v, *next, *ms = cp.UIDValidity, max(*next, uint32(cp.UIDNext)), uint64(cp.HighestModSeq)
	text := fmt.Sprintf("%d %d %d %q", cp.UIDValidity, cp.UIDNext, cp.HighestModSeq, cp.Token)
	return tx.SetMeta(checkpointKey(m.ID, s), text)
}

// uidBump collects the highest UID paired per side in one transaction, to
// raise the row's UIDNEXT above it (bumpUIDNext).
type uidBump [2]store.UID

// add notes the UIDs of p.
func (b *uidBump) add(p Pair) {
	for s := Far; s <= Near; s++ {
		b[s] = max(b[s], p.UID[s])
	}
}

// apply raises mailbox mb's recorded UIDNEXTs above the noted UIDs.
func (b *uidBump) apply(tx *statedb.Tx, mb statedb.MailboxID) error {
	if b[Far] == 0 && b[Near] == 0 {
		return nil
	}
	m, ok, err := tx.Mailbox(mb)
	if err != nil || !ok {
		return err
	}
	f, n := max(m.FarUIDNext, uint32(b[Far])+1), max(m.NearUIDNext, uint32(b[Near])+1)
	if b[Far] == 0 {
		f = m.FarUIDNext
	}
	if b[Near] == 0 {
		n = m.NearUIDNext
	}
	if f == m.FarUIDNext && n == m.NearUIDNext {
		return nil
	}
	m.FarUIDNext, m.NearUIDNext = f, n
	return tx.UpdateMailbox(m)
}

// uidValidity returns the recorded UIDVALIDITY of side s (0: none yet).
func uidValidity(m statedb.Mailbox, s Side) uint32 {
	if s == Far {
		return m.FarUIDValidity
	}
	return m.NearUIDValidity
}
