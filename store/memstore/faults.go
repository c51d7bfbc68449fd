package memstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/store"
)

// op is called at the start of every operation: it fails when ctx ended,
// counts op, fires an armed FailAt and calls the OnOp hook, all without
// s.mu held.
func (s *Store) op(ctx context.Context, op, mailbox string) error {
	if err := ctx.Err(); err != nil {
		return canceled(op, mailbox, err)
	}
	s.hookMu.Lock()
	s.counts[op]++
	var injected error
	if s.failIn > 0 {
		s.failIn--
		if s.failIn == 0 {
			injected, s.failErr = s.failErr, nil
		}
	}
	hook := s.onOp
	s.hookMu.Unlock()
	if injected != nil {
		return s.fault(op, mailbox, injected)
	}
	if hook != nil {
		if err := hook(op, mailbox); err != nil {
			return s.fault(op, mailbox, err)
		}
	}
	return nil
}

// fault grades an injected error: a *store.Error as is, else wrapped with
// Options.FaultScope.
func (s *Store) fault(op, mailbox string, err error) error {
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	return &store.Error{Scope: s.opts.FaultScope, Op: op, Mailbox: mailbox, Err: err}
}

func canceled(op, mailbox string, err error) error {
	return &store.Error{Scope: store.ScopeCanceled, Op: op, Mailbox: mailbox, Err: err}
}

// FailAt arms a one-shot failure: the n-th operation from now (1: the next
// one, counting every Op including OpFetchBody) fails with err, graded as
// the OnOp hook's errors are. n <= 0 or a nil err disarms it.
func (s *Store) FailAt(n int, err error) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if n <= 0 || err == nil {
		s.failIn, s.failErr = 0, nil
		return
	}
	s.failIn, s.failErr = n, err
}

// SetOnOp replaces the OnOp hook (nil removes it).
func (s *Store) SetOnOp(hook func(op, mailbox string) error) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.onOp = hook
}

// OpCount returns how many times op was started since New or the last
// ResetCounts (failed attempts included).
func (s *Store) OpCount(op string) int {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return s.counts[op]
}

// ResetCounts sets every OpCount back to zero.
func (s *Store) ResetCounts() {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	clear(s.counts)
}

// Crash simulates losing the process and its unsynced writes: every
// message appended (or moved into a mailbox while still volatile) and not
// yet flushed is dropped. Like a Maildir store, whose UIDNEXT only moves
// with a durable commit, the store then hands out the UIDs of the dropped
// messages again when they were the mailbox's newest (they leave no
// tombstone: no caller could rely on them); UIDNEXT never stays above a
// UID whose message was not made durable. Open mailboxes stay usable; a
// resumed run would open new ones anyway. It returns how many messages
// were dropped.
func (s *Store) Crash() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range s.boxes {
		lost := make(map[store.UID]bool)
		for _, m := range b.msgs {
			if !m.durable {
				lost[m.uid] = true
			}
		}
		if len(lost) == 0 {
			continue
		}
		low := b.uidNext
		for u := range lost {
			low = min(low, u)
		}
		gone := len(b.gone)
		n += b.remove(lost, nil)
		saved := b.gone
		b.gone = b.gone[:gone]
		if low > b.top() { // the newest were lost: their UIDs are free again
			b.uidNext = low
		} else {
			b.gone = saved
		}
	}
	return n
}

// ForgetChanges drops mailbox's change log, as a server whose QRESYNC
// memory expired or a store that lost its bookkeeping: Changes since any
// earlier checkpoint (that knew some UIDs) then fails with
// store.ErrCheckpointUnusable.
func (s *Store) ForgetChanges(mailbox string) error {
	return s.behind("forget-changes", mailbox, func(b *box) error {
		b.floor, b.gone = b.modseq, nil
		return nil
	})
}

// SetReadOnly makes mailbox refuse (or accept again) Append, UpdateFlags,
// Expunge and Move in or out, with errors wrapping store.ErrReadOnly.
func (s *Store) SetReadOnly(mailbox string, readOnly bool) error {
	return s.behind("set-read-only", mailbox, func(b *box) error {
		b.readOnly = readOnly
		return nil
	})
}

// ResetUIDValidity simulates a server that recreated mailbox: a new
// UIDVALIDITY, messages renumbered from 1 in their order, bodies, flags,
// dates and EmailIDs kept, the change log emptied. Mailboxes opened before
// refuse UID-addressed calls afterwards.
func (s *Store) ResetUIDValidity(mailbox string) error {
	name, err := normName("reset-uidvalidity", mailbox)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil || b.noSelect {
		return fmt.Errorf("memstore: reset UIDVALIDITY of %q: %w", name, store.ErrMailboxNotFound)
	}
	s.validity++
	b.validity = s.validity
	b.gone = nil
	ms := b.bump()
	for i, m := range b.msgs {
		m.uid = store.UID(i + 1)
		m.modseq = ms
		m.origin = nil
	}
	b.uidNext = store.UID(len(b.msgs) + 1)
	return nil
}
