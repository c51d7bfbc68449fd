package imapstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// Changes reports what changed since req.Since, in O(changes) on the wire:
//
//  0. A mailbox opened with the state ListMailboxes saw, equal to the
//     checkpoint (see unchangedSince), changed nothing: Changes returns
//     that state as the checkpoint without a connection or a command.
//  1. Otherwise the mailbox is SELECTed again, unless nothing ran on it
//     since it was selected (the SELECT of opening serves: one command
//     less, and on a large Dovecot mailbox SELECT is the costly part); its
//     UIDVALIDITY must equal the checkpoint's and its HIGHESTMODSEQ must
//     not be below it (else ErrCheckpointUnusable). The values of that
//     SELECT are the returned checkpoint: what changed after it is
//     reported now if the server shows it, and again next time.
//  2. With QRESYNC: UID FETCH lo:hi (FLAGS …) (CHANGEDSINCE m VANISHED)
//     (RFC 7162 §3.1.4.1, §3.2.6) gives changed and new messages and the
//     UIDs expunged since m.
//  3. With CONDSTORE alone (Gmail): the same without VANISHED; vanished
//     UIDs are req.Known minus the UIDs a UID SEARCH (ESEARCH where offered,
//     RFC 4731) finds below Since.UIDNext. Without req.Known none is
//     reported.
//
// A Since with no HIGHESTMODSEQ reports every message as changed (the way
// to a first checkpoint). Without CONDSTORE the error wraps
// ErrCheckpointUnusable and the caller lists. The checkpoint's Token holds
// the message count (messagesToken).
//
// The checkpoint is taken before the changes are read (RFC 7162 §6): a
// change made between the SELECT and the FETCH is reported now and again
// next time, never lost. Vanished UIDs are limited to those below
// req.Known when it is given, whatever Since.UIDNext (the caller may know
// UIDs above it: see store.Mailbox.Changes).
func (m *Mailbox) Changes(ctx context.Context, req store.ChangesRequest, fn func(store.ChangeSet) error) (store.Checkpoint, error) {
	if err := m.check(ctx, "changes"); err != nil {
		return store.Checkpoint{}, err
	}
	if !m.s.caps.condStore {
		return store.Checkpoint{}, m.unusable("the server offers no CONDSTORE")
	}
	if m.cn == nil && m.s.unchangedSince(req.Since, m.status) {
		return checkpointOf(m.status), nil
	}
	if err := m.begin(ctx, "changes"); err != nil {
		return store.Checkpoint{}, err
	}
	since := req.Since
	if m.used {
		if _, err := m.selectBox(ctx); err != nil {
			return store.Checkpoint{}, m.done("changes", 0, err)
		}
	}
	m.used = true // the next Changes needs a fresh SELECT
	st := m.status
	if why := usable(since, st); why != "" {
		m.s.log.Debug("imapstore: checkpoint unusable", "mailbox", m.name, "why", why)
		return store.Checkpoint{}, m.unusable(why)
	}
	cp := checkpointOf(st)
	if err := m.changes(ctx, req, fn); err != nil {
		return store.Checkpoint{}, m.done("changes", 0, err)
	}
	return cp, nil
}

// changesChunk is the UID range of a CHANGEDSINCE fetch: the answers are
// the changes only, so a range this large stays small in memory unless
// most of the mailbox changed (then about 150 bytes per message).
const changesChunk = 1 << 17

// usable says why since cannot be used with the mailbox now, or "".
func usable(since store.Checkpoint, now store.Status) string {
	switch {
	case since.UIDValidity != now.UIDValidity:
		return fmt.Sprintf("UIDVALIDITY is %d, the checkpoint has %d", now.UIDValidity, since.UIDValidity)
	case now.HighestModSeq == 0:
		return "the mailbox keeps no mod-sequences (NOMODSEQ)"
	case now.UIDNext == 0:
		// A closed scan needs a top: without one it would list nothing
		// and record a checkpoint that hides every message for good.
		return "the server gave no usable UIDNEXT"
	case since.HighestModSeq > now.HighestModSeq:
		return fmt.Sprintf("checkpoint modseq %d is ahead of the mailbox's %d", since.HighestModSeq, now.HighestModSeq)
	}
	return ""
}

func (m *Mailbox) unusable(why string) error {
	return store.Errorf(store.ScopeMailbox, false, "changes", m.name, 0, "%w: %s", store.ErrCheckpointUnusable, why)
}

// changes streams the changed messages in batches and the vanished UIDs
// with the last batch.
func (m *Mailbox) changes(ctx context.Context, req store.ChangesRequest, fn func(store.ChangeSet) error) error {
	since := req.Since
	top := max(since.UIDNext, m.status.UIDNext)
	// Closed: what arrives after the SELECT is reported next time, since
	// the checkpoint is the SELECT's.
	sc := scan{items: m.s.metaItems(req.WithMessageID), chunk: m.s.opts.ListChunk, closed: true, hashIDless: req.WithMessageID}
	if top > 1 {
		sc.top = top - 1
	}
	if since.HighestModSeq > 0 {
		// Few messages come back: larger ranges, fewer round trips.
		sc.chunk = max(sc.chunk, changesChunk)
		sc.changedSince = imap.ModSeq(since.HighestModSeq)
		sc.vanished = m.s.caps.qresync
	}
	var pending []store.Message
	emit := func(msgs []store.Message) error {
		pending = append(pending, msgs...)
		for len(pending) > DefaultBatchSize {
			if err := fn(store.ChangeSet{Changed: pending[:DefaultBatchSize:DefaultBatchSize]}); err != nil {
				return err
			}
			pending = slices.Clone(pending[DefaultBatchSize:])
		}
		return nil
	}
	vanished, err := sc.run(ctx, m, emit)
	if err != nil {
		return err
	}
	gone, err := m.vanished(ctx, req, vanished)
	if err != nil {
		return err
	}
	if len(pending) == 0 && len(gone) == 0 {
		return nil
	}
	return fn(store.ChangeSet{Changed: pending, Vanished: gone})
}

// maxVanished bounds the VANISHED UIDs one change scan takes without a
// list of known UIDs to filter them by: the set is the server's word.
const maxVanished = 1 << 24

// vanished returns the vanished UIDs: from the server's VANISHED with
// QRESYNC, else by comparing req.Known with a search of every UID present;
// filtered by req.Known when given. No UID is left out
// for being at or above Since.UIDNext.
func (m *Mailbox) vanished(ctx context.Context, req store.ChangesRequest, reported imap.UIDSet) ([]store.UID, error) {
	since := req.Since
	if m.s.caps.qresync && since.HighestModSeq > 0 {
		if req.Known != nil {
			return knownIn(req, func(u store.UID) bool { return reported.Contains(imap.UID(u)) }), nil
		}
		if n := reported.Len(); n > maxVanished {
			return nil, m.done("changes", 0, fmt.Errorf("the server reported %d vanished UIDs, more than the %d imapdir accepts at once", n, maxVanished))
		}
		var gone []store.UID
		for uid := range reported.All() {
			gone = append(gone, store.UID(uid))
		}
		return gone, nil
	}
	if req.Known == nil {
		return nil, nil
	}
	present, err := m.search(ctx, imap.UIDRangeSet(1, 0)) // 1:*
	if err != nil {
		return nil, err
	}
	return knownIn(req, func(u store.UID) bool { return !present.Contains(imap.UID(u)) }), nil
}

// knownIn returns the known UIDs for which gone holds, ascending and
// distinct.
func knownIn(req store.ChangesRequest, gone func(store.UID) bool) []store.UID {
	var out []store.UID
	for uid := range req.Known {
		if gone(uid) {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
