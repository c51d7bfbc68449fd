package maildirstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
