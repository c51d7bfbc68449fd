package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/store"
)

// UpdateFlags adds then removes flags (and labels, with
// Features.GmailLabels) on the given messages; UIDs not in the mailbox
// are ignored, keywords are dropped without Features.Keywords.
// A message's modseq advances only when its flags change. With
// ch.UnchangedSince, messages whose modseq is greater are left alone and
// returned as conflicts (RFC 7162 §3.1.3); without Features.CondStore,
// UnchangedSince is refused with store.ErrUnsupported rather than ignored.
func (m *mailbox) UpdateFlags(ctx context.Context, ch store.FlagChange) ([]store.UID, error) {
	if err := m.begin(ctx, OpFlags); err != nil {
		return nil, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usableUIDs(OpFlags); err != nil {
		return nil, err
	}
	if err := m.writable(OpFlags); err != nil {
		return nil, err
	}
	if ch.UnchangedSince != 0 && !m.s.feat.CondStore {
		return nil, store.Errorf(store.ScopeMailbox, false, OpFlags, m.b.name, 0,
			"UNCHANGEDSINCE without CONDSTORE: %w", store.ErrUnsupported)
	}
	return m.s.updateFlagsLocked(m.b, ch), nil
}

// updateFlagsLocked applies ch to b. Call with s.mu held.
func (s *Store) updateFlagsLocked(b *box, ch store.FlagChange) []store.UID {
	add, remove := s.keepFlags(ch.Add), store.NewFlags(ch.Remove...)
	var conflicts []store.UID
	for _, uid := range ch.UIDs {
		msg := b.find(uid)
		if msg == nil {
			continue
		}
		if ch.UnchangedSince != 0 && msg.modseq > ch.UnchangedSince {
			conflicts = append(conflicts, uid)
			continue
		}
		b.setFlags(msg, add, remove)
		if s.feat.GmailLabels && len(ch.AddLabels)+len(ch.RemoveLabels) > 0 {
			s.setLabels(b, msg, ch.AddLabels, ch.RemoveLabels)
		}
	}
	return conflicts
}

// setLabels adds then removes labels (compared without regard to case)
// and advances the message's modseq when they change.
func (s *Store) setLabels(b *box, msg *message, add, remove []string) {
	var out []string
	for _, l := range append(slices.Clone(msg.labels), add...) {
		drop := func(x string) bool { return strings.EqualFold(x, l) }
		if !slices.ContainsFunc(remove, drop) && !slices.ContainsFunc(out, drop) {
			out = append(out, l)
		}
	}
	out = s.keepLabels(out)
	if slices.Equal(out, msg.labels) {
		return
	}
	msg.labels = out
	msg.modseq = b.bump()
}

// Expunge removes exactly the given messages; UIDs not in the mailbox are
// ignored.
func (m *mailbox) Expunge(ctx context.Context, uids []store.UID) error {
	if err := m.begin(ctx, OpExpunge); err != nil {
		return err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usableUIDs(OpExpunge); err != nil {
		return err
	}
	if err := m.writable(OpExpunge); err != nil {
		return err
	}
	m.b.remove(uidSet(uids), nil)
	return nil
}

// Move moves the given messages, in ascending UID order, to dest, keeping
// flags, dates, labels and EmailIDs. It returns the new UIDs with
// Features.UIDPlus (else an empty map). With Features.Move it is atomic;
// without, it copies, then (after an OpExpunge hook, where a crash or fault
// leaves both copies) removes the originals. UIDs not in the mailbox are
// ignored. A missing dest gives an error wrapping store.ErrMailboxNotFound
// and changes nothing.
func (m *mailbox) Move(ctx context.Context, uids []store.UID, dest string) (map[store.UID]store.UID, error) {
	if err := m.begin(ctx, OpMove); err != nil {
		return nil, err
	}
	dest, err := normName(OpMove, dest)
	if err != nil {
		return nil, err
	}
	moved, err := m.copyTo(uids, dest)
	if err != nil {
		return nil, err
	}
	if !m.s.feat.Move {
		if err := m.s.op(ctx, OpExpunge, m.Name()); err != nil {
			return nil, err
		}
		if err := m.expungeMoved(moved); err != nil {
			return nil, err
		}
	}
	if !m.s.feat.UIDPlus {
		return map[store.UID]store.UID{}, nil
	}
	return moved, nil
}

// copyTo copies uids to dest and returns old→new UIDs; with Features.Move
// it also removes the originals in the same step.
func (m *mailbox) copyTo(uids []store.UID, dest string) (map[store.UID]store.UID, error) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usableUIDs(OpMove); err != nil {
		return nil, err
	}
	db := m.s.boxes[dest]
	if db == nil || db.noSelect {
		return nil, store.Errorf(store.ScopeMailbox, false, OpMove, m.b.name, 0, "to %q: %w", dest, store.ErrMailboxNotFound)
	}
	if db.readOnly || (m.s.feat.Move && m.b.readOnly) {
		return nil, store.Errorf(store.ScopeMailbox, false, OpMove, m.b.name, 0, "to %q: %w", dest, store.ErrReadOnly)
	}
	return m.s.moveLocked(m.b, uids, db, m.s.feat.Move), nil
}

// moveLocked copies uids from b to db; when atomic it removes the
// originals, recording the move. Call with s.mu held.
func (s *Store) moveLocked(b *box, uids []store.UID, db *box, atomic bool) map[store.UID]store.UID {
	sorted := slices.Clone(uids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	moved := make(map[store.UID]store.UID, len(sorted))
	dests := make(map[store.UID]tombstone, len(sorted))
	for _, uid := range sorted {
		src := b.find(uid)
		if src == nil {
			continue
		}
		c := *src
		c.flags = slices.Clone(src.flags)
		c.labels = slices.Clone(src.labels)
		c.origin = nil
		if atomic {
			c.origin = &store.Origin{Mailbox: b.name, UID: uid}
		}
		moved[uid] = db.add(&c)
		dests[uid] = tombstone{moved: atomic, dest: db.name, destUID: moved[uid]}
	}
	if atomic {
		b.remove(uidSet(sorted), dests)
	}
	return moved
}

// expungeMoved ends a non-atomic move: \Deleted on the originals, then
// expunge.
func (m *mailbox) expungeMoved(moved map[store.UID]store.UID) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if err := m.usableUIDs(OpExpunge); err != nil {
		return err
	}
	if err := m.writable(OpExpunge); err != nil {
		return err
	}
	set := make(map[store.UID]bool, len(moved))
	for uid := range moved {
		if msg := m.b.find(uid); msg != nil {
			m.b.setFlags(msg, store.Flags{store.Deleted}, nil)
			set[uid] = true
		}
	}
	m.b.remove(set, nil)
	return nil
}

func uidSet(uids []store.UID) map[store.UID]bool {
	set := make(map[store.UID]bool, len(uids))
	for _, u := range uids {
		set[u] = true
	}
	return set
}
