package maildirstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// RenameMailbox renames folder old, and the folders below it, to new. The
// files keep their names and the index its UIDs and UIDVALIDITY: a renamed
// folder is not a new one. INBOX cannot be renamed (in IMAP that moves its
// messages, which the engine does with Move).
func (s *Store) RenameMailbox(ctx context.Context, old, new string) error {
	if strings.EqualFold(old, "INBOX") || strings.EqualFold(new, "INBOX") {
		return s.mailboxErr("rename", old, fmt.Errorf("%w: renaming INBOX", store.ErrUnsupported))
	}
	l, err := s.opts.Layout.List(ctx, s.opts.Root)
	if err != nil {
		return s.mailboxErr("rename", old, err)
	}
	var moving []string
	for _, name := range l.Names {
		if name == new || strings.HasPrefix(name, new+"/") {
			return s.mailboxErr("rename", old, fmt.Errorf("%w: %q", store.ErrMailboxExists, name))
		}
		if name == old || strings.HasPrefix(name, old+"/") {
			moving = append(moving, name)
		}
	}
	if len(moving) == 0 {
		return s.mailboxErr("rename", old, store.ErrMailboxNotFound)
	}
	if err := s.renameDirs(old, new, moving); err != nil {
		return s.mailboxErr("rename", old, err)
	}
	err = s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		for _, name := range moving {
			nm, found, err := tx.NearMailboxByName(name)
			if err != nil {
				return err
			}
			if found {
				nm.Name = new + strings.TrimPrefix(name, old)
				if err := tx.UpdateNearMailbox(nm); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return s.mailboxErr("rename", old, err)
	}
	return nil
}

// renameDirs moves the directories: in the fs layout the folder's
// directory (a plain directory when old is only a parent) carries its
// children along; in Maildir++ every ".a.b" folder is
// its own directory at the root.
func (s *Store) renameDirs(old, new string, moving []string) error {
	names := []string{old}
	if !s.opts.Layout.Nested() {
		names = moving
	}
	for _, name := range names {
		from, err := s.opts.Layout.Path(s.opts.Root, name)
		if err != nil {
			return err
		}
		to, err := s.opts.Layout.Path(s.opts.Root, new+strings.TrimPrefix(name, old))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
			return err
		}
		if _, err := os.Lstat(to); err == nil {
			return fmt.Errorf("%w: %s", store.ErrMailboxExists, to)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Rename(from, to); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(to)); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(from)); err != nil {
			return err
		}
	}
	return nil
}

// A folder renamed behind the store's back (mv Work Job, a mail reader's
// rename) keeps its files and their unique names. followRenames finds, at
// listing, the indexed folders whose directory is gone and the folders
// the index does not know, and gives a gone folder's index entry (its
// UIDVALIDITY and UIDs) to the one unknown folder holding its files, so
// the engine sees a renamed folder (same UIDVALIDITY under a new name)
// rather than a folder deleted and another created. Only strong evidence
// counts (renameShare of the indexed files are there, and they make up
// renameShare of the folder); anything less, or two candidates, leaves
// the index as it is: the gone folder then reads as missing, which the
// engine refuses to treat as deleted.
const renameShare = 0.9

// followRenames re-files the index entries of renamed folders; listed are
// the folder names the layout lists now.
func (s *Store) followRenames(ctx context.Context, listed []string) error {
	gone, fresh, err := s.renameCandidates(ctx, listed)
	if err != nil || len(gone) == 0 || len(fresh) == 0 {
		return err
	}
	files := map[string]map[string]bool{} // fresh folder → unique names
	for _, name := range fresh {
		u, err := s.uniqueNames(ctx, name)
		if err != nil {
			return err
		}
		files[name] = u
	}
	for _, nm := range gone {
		to, err := s.renamedTo(ctx, nm, fresh, files)
		if err != nil {
			return err
		}
		if to == "" {
			continue
		}
		if err := s.refile(ctx, nm, to); err != nil {
			return err
		}
		s.log.Info("maildir folder renamed: its index follows", "from", nm.Name, "to", to)
		fresh = slices.DeleteFunc(fresh, func(n string) bool { return n == to })
	}
	return nil
}

// renameCandidates returns the indexed folders that are not listed and
// the listed folders that are not indexed.
func (s *Store) renameCandidates(ctx context.Context, listed []string) (gone []statedb.NearMailbox, fresh []string, err error) {
	var all []statedb.NearMailbox
	if err := s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		all, err = tx.NearMailboxes()
		return err
	}); err != nil {
		return nil, nil, err
	}
	indexed := map[string]bool{}
	have := map[string]bool{}
	for _, n := range listed {
		have[n] = true
	}
	for _, nm := range all {
		indexed[nm.Name] = true
		if !have[nm.Name] {
			gone = append(gone, nm)
		}
	}
	for _, n := range listed {
		if !indexed[n] {
			fresh = append(fresh, n)
		}
	}
	return gone, fresh, nil
}

// uniqueNames returns the unique names of folder name's files.
func (s *Store) uniqueNames(ctx context.Context, name string) (map[string]bool, error) {
	f, err := s.opts.Layout.Open(s.opts.Root, name)
	if err != nil {
		return nil, err
	}
	entries, err := f.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(entries))
	for _, e := range entries {
		out[e.Name.Unique] = true
	}
	return out, nil
}

// renamedTo returns the one fresh folder holding gone folder nm's files,
// or "".
func (s *Store) renamedTo(ctx context.Context, nm statedb.NearMailbox, fresh []string, files map[string]map[string]bool) (string, error) {
	var known []string
	if err := s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		return tx.IterateNearMessages(nm.ID, 0, func(m statedb.NearMessage) error {
			known = append(known, m.UniqueName)
			return nil
		})
	}); err != nil || len(known) == 0 {
		return "", err
	}
	var found []string
	for _, name := range fresh {
		match := 0
		for _, u := range known {
			if files[name][u] {
				match++
			}
		}
		if float64(match) >= renameShare*float64(len(known)) && float64(match) >= renameShare*float64(len(files[name])) {
			found = append(found, name)
		}
	}
	if len(found) != 1 {
		if len(found) > 1 {
			s.log.Warn("maildir folder gone, its files in several new folders: not taken as a rename",
				"folder", nm.Name, "candidates", found)
		}
		return "", nil
	}
	return found[0], nil
}

// refile gives index entry nm the name to, unless to got an entry
// meanwhile.
func (s *Store) refile(ctx context.Context, nm statedb.NearMailbox, to string) error {
	return s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		if _, found, err := tx.NearMailboxByName(to); err != nil || found {
			return err
		}
		cur, found, err := tx.NearMailbox(nm.ID)
		if err != nil || !found || cur.Name != nm.Name {
			return err
		}
		cur.Name = to
		return tx.UpdateNearMailbox(cur)
	})
}
