package syncer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// renames detects mailboxes renamed on one side and renames the other
// side's mailbox the same way, so its messages are kept rather than
// downloaded again. A recorded pair whose name is gone from side s was
// renamed when a mailbox of s carries its stable mailbox id (RFC 8474
// MAILBOXID, or the store's own: MailboxInfo.ID) under another name or,
// without ids, when exactly one mailbox of s that no pair knows has the
// recorded UIDVALIDITY (a rename keeps it). The infos are updated to the
// names after the renames.
func (e *Engine) renames(ctx context.Context, infos [2]sideInfo, rows []statedb.Mailbox) error {
	for s := Far; s <= Near; s++ {
		for _, row := range rows {
			old := rowName(row, s)
			if _, still := infos[s][old]; still || old == "" || (e.opts.DryRun && e.dry.renamed(row.ID)) {
				continue
			}
			nu, err := e.renamedTo(ctx, s, row, infos[s], rows)
			if err != nil {
				return err
			}
			if nu != "" {
				if err := e.rename(ctx, s, row, old, nu, infos); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// renamedTo returns the name row's side-s mailbox has now, or "".
func (e *Engine) renamedTo(ctx context.Context, s Side, row statedb.Mailbox, si sideInfo, rows []statedb.Mailbox) (string, error) {
	if id := rowMailboxID(row, s); id != "" && e.st[s].Features().MailboxIDs {
		for n, mi := range si {
			if mi.ID == id {
				return n, nil
			}
		}
		return "", nil
	}
	v := uidValidity(row, s)
	if v == 0 {
		return "", nil
	}
	known := map[string]bool{}
	for _, r := range rows {
		known[rowName(r, s)] = true
	}
	var found []string
	for n := range si {
		if known[n] {
			continue
		}
		b, err := e.st[s].OpenMailbox(ctx, n)
		if err != nil {
			return "", fmt.Errorf("open %s mailbox %q: %w", s, n, err)
		}
		if b.Status().UIDValidity == v {
			found = append(found, n)
		}
		b.Close()
	}
	if len(found) != 1 {
		return "", nil
	}
	return found[0], nil
}

func rowName(m statedb.Mailbox, s Side) string {
	if s == Far {
		return m.FarName
	}
	return m.NearName
}

func rowMailboxID(m statedb.Mailbox, s Side) string {
	if s == Far {
		return m.FarMailboxID
	}
	return m.NearMailboxID
}

// rename carries a rename old → nu seen on side s to the other side and
// to the state (the pair row and its children's rows).
func (e *Engine) rename(ctx context.Context, s Side, row statedb.Mailbox, old, nu string, infos [2]sideInfo) error {
	o := s.Other()
	oldO := rowName(row, o)
	if _, ok := infos[o][oldO]; !ok || oldO == "" {
		return nil
	}
	if _, taken := infos[o][nu]; taken {
		e.warn(old, fmt.Sprintf("renamed to %q on the %s side, but %q exists on the %s side: not renamed", nu, s, nu, o))
		return nil
	}
	if e.opts.DryRun {
		e.note(nu, fmt.Sprintf("would rename %s mailbox %q to %q (renamed on the %s side)", o, oldO, nu, s))
		e.dry.add(o, oldO, old, nu, row.ID)
		moveInfos(infos[o], oldO, nu)
		return nil
	}
	if err := e.st[o].RenameMailbox(ctx, oldO, nu); err != nil && !errors.Is(err, store.ErrMailboxExists) {
		return fmt.Errorf("rename %s mailbox %q to %q: %w", o, oldO, nu, err)
	}
	e.note(nu, fmt.Sprintf("renamed %s mailbox %q to %q (renamed on the %s side)", o, oldO, nu, s))
	if err := e.renameRows(ctx, old, nu); err != nil {
		return err
	}
	moveInfos(infos[o], oldO, nu)
	return e.renameChildren(ctx, s, old, nu, infos[s])
}

// renameChildren renames the mailboxes of side s still below old to
// below nu, as the other side's rename moved its children: a Maildir++
// folder is a directory of its own, and a user who renamed the parent's
// may have left the children's as they were.
func (e *Engine) renameChildren(ctx context.Context, s Side, old, nu string, si sideInfo) error {
	var left []string
	for n, mi := range si {
		if strings.HasPrefix(n, old+"/") && !mi.NoSelect {
			left = append(left, n)
		}
	}
	slices.Sort(left) // parents first: renaming one carries its children
	for _, n := range left {
		if _, still := si[n]; !still {
			continue
		}
		to := renamed(n, old, nu)
		if _, taken := si[to]; taken {
			e.warn(n, fmt.Sprintf("%q was renamed to %q on the %s side, but %q exists there: not renamed", old, nu, s, to))
			continue
		}
		if err := e.st[s].RenameMailbox(ctx, n, to); err != nil {
			return fmt.Errorf("rename %s mailbox %q to %q: %w", s, n, to, err)
		}
		e.note(to, fmt.Sprintf("renamed %s mailbox %q to %q (its parent was renamed)", s, n, to))
		moveInfos(si, n, to)
	}
	return nil
}

// renameRows renames the rows of old and of its children.
func (e *Engine) renameRows(ctx context.Context, old, nu string) error {
	return e.update(ctx, func(tx *statedb.Tx) error {
		all, err := tx.Mailboxes()
		if err != nil {
			return err
		}
		for _, m := range all {
			f, n := renamed(m.FarName, old, nu), renamed(m.NearName, old, nu)
			if f != m.FarName || n != m.NearName {
				if err := tx.RenameMailbox(m.ID, f, n); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// renamed maps name under a rename of old to nu (children follow).
func renamed(name, old, nu string) string {
	switch {
	case name == old:
		return nu
	case strings.HasPrefix(name, old+"/"):
		return nu + name[len(old):]
	}
	return name
}

// moveInfos renames the entries of a side's infos like the store did.
func moveInfos(si sideInfo, old, nu string) {
	for n, mi := range si {
		if r := renamed(n, old, nu); r != n {
			delete(si, n)
			mi.Name = r
			si[r] = mi
		}
	}
}
