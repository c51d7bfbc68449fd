package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/imapdir/imapdir/store"
)

// changeLog is what Changes gathers under the lock before streaming.
type changeLog struct {
	changed  []store.Message
	vanished []store.UID
	present  []store.UID // ascending; only gathered when Known must be used
	moves    map[store.UID]tombstone
	cp       store.Checkpoint
}

// Changes reports the messages whose modseq is above the checkpoint's
// (new ones included), in ascending UID order and batches of
// DefaultBatchSize, and the UIDs that vanished, in the last batch; fn is
// not called when nothing changed.
//
// The checkpoint's position is its Token (always filled in returned
// checkpoints) or, with Features.CondStore, its HighestModSeq. A checkpoint
// with the right UIDVALIDITY and neither (as built from Status without
// CondStore, or with only UIDValidity set) means "from the beginning": every
// message is reported, which is how a caller may get its first checkpoint.
//
// Vanished UIDs come from the store's log with Features.QResync (every
// UID expunged since the checkpoint, filtered by req.Known when given),
// else only from comparing req.Known with the mailbox (none without
// Known), whatever Since.UIDNext. With
// Options.ReportMoves, atomic moves appear in MovedOut.
//
// Without Features.Changes, when the UIDVALIDITY differs, when the
// checkpoint is older than ForgetChanges allows, or when it is not one this
// mailbox could have given, the error wraps store.ErrCheckpointUnusable.
func (m *mailbox) Changes(ctx context.Context, req store.ChangesRequest, fn func(store.ChangeSet) error) (store.Checkpoint, error) {
	name := m.Name()
	if err := m.begin(ctx, OpChanges); err != nil {
		return store.Checkpoint{}, err
	}
	if !m.s.feat.Changes {
		return store.Checkpoint{}, unusable(name, "store keeps no change log")
	}
	log, err := m.gather(req)
	if err != nil {
		return store.Checkpoint{}, err
	}
	if req.Known != nil && !m.s.feat.QResync {
		log.vanished = vanishedFromKnown(req, log.present)
	}
	if err := m.s.emit(ctx, name, log, fn); err != nil {
		return store.Checkpoint{}, err
	}
	return log.cp, nil
}

// gather collects the changes since req.Since under the lock.
func (m *mailbox) gather(req store.ChangesRequest) (*changeLog, error) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usable(OpChanges); err != nil {
		return nil, err
	}
	b := m.b
	since, why := m.s.position(b, req.Since)
	if why != "" {
		return nil, unusable(b.name, why)
	}
	log := &changeLog{moves: make(map[store.UID]tombstone)}
	for _, msg := range b.msgs {
		if msg.modseq > since || (req.Since.UIDNext != 0 && msg.uid >= req.Since.UIDNext) {
			log.changed = append(log.changed, m.s.export(msg, req.WithMessageID))
		}
		if req.Known != nil && !m.s.feat.QResync {
			log.present = append(log.present, msg.uid)
		}
	}
	for _, t := range b.gone {
		if t.moved {
			log.moves[t.uid] = t
		}
		if m.s.feat.QResync && t.modseq > since {
			log.vanished = append(log.vanished, t.uid)
		}
	}
	slices.Sort(log.vanished)
	log.vanished = slices.Compact(log.vanished)
	log.cp = m.s.checkpoint(b)
	m.status = m.s.status(b)
	return log, nil
}

// position returns the modseq a checkpoint stands for, or why it is
// unusable. Call with s.mu held.
func (s *Store) position(b *box, cp store.Checkpoint) (store.ModSeq, string) {
	if cp.UIDValidity != b.validity {
		return 0, fmt.Sprintf("UIDVALIDITY is %d, checkpoint has %d", b.validity, cp.UIDValidity)
	}
	var ms store.ModSeq
	switch {
	case cp.Token != "":
		var v uint32
		if _, err := fmt.Sscanf(cp.Token, "mem:%d:%d", &v, &ms); err != nil || v != b.validity {
			return 0, fmt.Sprintf("token %q is not from this mailbox", cp.Token)
		}
	case s.feat.CondStore:
		ms = cp.HighestModSeq
	case cp.HighestModSeq != 0:
		return 0, "checkpoint has a modseq but this store keeps none"
	}
	if ms < b.floor && cp.UIDNext > 1 {
		return 0, fmt.Sprintf("checkpoint modseq %d is too old (changes before %d forgotten)", ms, b.floor)
	}
	if ms > b.modseq {
		return 0, fmt.Sprintf("checkpoint modseq %d is ahead of the mailbox's %d", ms, b.modseq)
	}
	return ms, ""
}

// checkpoint describes b now. Call with s.mu held.
func (s *Store) checkpoint(b *box) store.Checkpoint {
	cp := store.Checkpoint{
		UIDValidity: b.validity, UIDNext: b.uidNext,
		Token: fmt.Sprintf("mem:%d:%d", b.validity, b.modseq),
	}
	if s.feat.CondStore {
		cp.HighestModSeq = b.modseq
	}
	return cp
}

// vanishedFromKnown returns the UIDs of req.Known that are not present.
func vanishedFromKnown(req store.ChangesRequest, present []store.UID) []store.UID {
	var out []store.UID
	for uid := range req.Known {
		if _, ok := slices.BinarySearch(present, uid); !ok {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// emit streams log to fn in batches, the vanished UIDs with the last.
func (s *Store) emit(ctx context.Context, name string, log *changeLog, fn func(store.ChangeSet) error) error {
	changed := log.changed
	for len(changed) > 0 || len(log.vanished) > 0 {
		if err := ctx.Err(); err != nil {
			return canceled(OpChanges, name, err)
		}
		n := min(len(changed), DefaultBatchSize)
		cs := store.ChangeSet{Changed: changed[:n]}
		changed = changed[n:]
		if len(changed) == 0 {
			cs.Vanished, log.vanished = log.vanished, nil
			cs.MovedOut = s.movedOut(cs.Vanished, log.moves)
		}
		if err := fn(cs); err != nil {
			return err
		}
	}
	return nil
}

// movedOut lists the moves among vanished, with Options.ReportMoves.
func (s *Store) movedOut(vanished []store.UID, moves map[store.UID]tombstone) []store.Move {
	if !s.opts.ReportMoves {
		return nil
	}
	var out []store.Move
	for _, uid := range vanished {
		if t, ok := moves[uid]; ok {
			out = append(out, store.Move{UID: uid, Dest: t.dest, DestUID: t.destUID})
		}
	}
	return out
}

func unusable(name, why string) error {
	return store.Errorf(store.ScopeMailbox, false, OpChanges, name, 0, "memstore: %s: %w", why, store.ErrCheckpointUnusable)
}
