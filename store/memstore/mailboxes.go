package memstore

import (
	"context"
	"sort"
	"strings"

	"github.com/imapdir/imapdir/store"
)

// CreateMailbox creates name and its missing parents (as ordinary
// mailboxes), with a fresh UIDVALIDITY each. An existing mailbox gives an
// error wrapping store.ErrMailboxExists; a \Noselect placeholder becomes a
// real mailbox. specialUse is kept and reported as given.
func (s *Store) CreateMailbox(ctx context.Context, name, specialUse string) error {
	if err := s.op(ctx, OpCreate, name); err != nil {
		return err
	}
	name, err := normName(OpCreate, name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(OpCreate, name); err != nil {
		return err
	}
	if b := s.boxes[name]; b != nil && !b.noSelect {
		return store.Errorf(store.ScopeMailbox, false, OpCreate, name, 0, "%w", store.ErrMailboxExists)
	}
	s.createLocked(name, specialUse)
	return nil
}

// createLocked creates name and missing parents. Call with s.mu held.
func (s *Store) createLocked(name, specialUse string) *box {
	for _, p := range parents(name) {
		if s.boxes[p] == nil {
			s.boxes[p] = s.newBox(p, "")
		}
	}
	b := s.newBox(name, specialUse)
	s.boxes[name] = b
	return b
}

// DeleteMailbox removes name. A mailbox holding messages gives an error
// wrapping store.ErrMailboxNotEmpty; a missing one store.ErrMailboxNotFound;
// INBOX cannot be deleted. As in IMAP (RFC 9051 §6.3.4), deleting a mailbox
// that has children leaves a \Noselect placeholder, and a placeholder with
// children cannot be deleted.
func (s *Store) DeleteMailbox(ctx context.Context, name string) error {
	if err := s.op(ctx, OpDelete, name); err != nil {
		return err
	}
	name, err := normName(OpDelete, name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(OpDelete, name); err != nil {
		return err
	}
	fail := func(format string, args ...any) error {
		return store.Errorf(store.ScopeMailbox, false, OpDelete, name, 0, format, args...)
	}
	b := s.boxes[name]
	switch {
	case b == nil:
		return fail("%w", store.ErrMailboxNotFound)
	case name == inbox:
		return fail("memstore: INBOX cannot be deleted")
	case len(b.msgs) > 0:
		return fail("%w (%d messages)", store.ErrMailboxNotEmpty, len(b.msgs))
	case b.noSelect && s.hasChildren(name):
		return fail("memstore: \\Noselect mailbox has children")
	}
	b.deleted = true
	delete(s.boxes, name)
	if s.hasChildren(name) {
		p := s.newBox(name, "")
		p.noSelect = true
		s.boxes[name] = p
	}
	return nil
}

// RenameMailbox renames old and its children to new, keeping messages,
// UIDs, UIDVALIDITY and mailbox IDs; missing parents of new are created.
// Open mailboxes follow the rename. INBOX cannot be renamed (IMAP gives
// that a special meaning this store does not imitate).
func (s *Store) RenameMailbox(ctx context.Context, old, new string) error {
	if err := s.op(ctx, OpRename, old); err != nil {
		return err
	}
	old, err := normName(OpRename, old)
	if err != nil {
		return err
	}
	if new, err = normName(OpRename, new); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(OpRename, old); err != nil {
		return err
	}
	if err := s.checkRename(old, new); err != nil {
		return err
	}
	var moving []string
	for n := range s.boxes {
		if n == old || strings.HasPrefix(n, old+"/") {
			moving = append(moving, n)
		}
	}
	sort.Strings(moving)
	for _, n := range moving {
		b := s.boxes[n]
		delete(s.boxes, n)
		b.name = new + n[len(old):]
		s.boxes[b.name] = b
	}
	for _, p := range parents(new) {
		if s.boxes[p] == nil {
			s.boxes[p] = s.newBox(p, "")
		}
	}
	return nil
}

// checkRename validates a rename. Call with s.mu held.
func (s *Store) checkRename(old, new string) error {
	fail := func(format string, args ...any) error {
		return store.Errorf(store.ScopeMailbox, false, OpRename, old, 0, format, args...)
	}
	b := s.boxes[old]
	switch {
	case b == nil || b.noSelect:
		return fail("%w", store.ErrMailboxNotFound)
	case old == inbox:
		return fail("memstore: renaming INBOX: %w", store.ErrUnsupported)
	case s.boxes[new] != nil:
		return fail("to %q: %w", new, store.ErrMailboxExists)
	case strings.HasPrefix(new, old+"/"):
		return fail("memstore: cannot rename %q into its own child %q", old, new)
	}
	return nil
}
