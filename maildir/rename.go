package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// linkUnlink renames without replacing: link(2) fails if newPath exists.
// On a file system without hard links it checks and renames, which leaves
// a small race with another writer of the same name (unique names make
// that writer hypothetical).
func linkUnlink(oldPath, newPath string) error {
	err := os.Link(oldPath, newPath)
	if err == nil {
		return os.Remove(oldPath)
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(newPath); serr == nil {
		return fmt.Errorf("%s: %w", newPath, fs.ErrExist)
	}
	return os.Rename(oldPath, newPath)
}

// SetFlags changes a message's flags by renaming its file (the only way a
// Maildir stores flags), and makes the rename durable (fsync of the
// directories) before it returns. A message in new/ moves to cur/. The
// unique part and the extra fields of the name are kept. It returns the
// message's new entry; when the flags are already e's, e is returned
// unchanged. It never replaces a file: if the target name exists the error
// wraps fs.ErrExist; if e's file is gone (a mail reader renamed or deleted
// it) the error wraps fs.ErrNotExist and the caller should scan again.
func (f *Folder) SetFlags(ctx context.Context, e Entry, flags Flags) (Entry, error) {
	ne, dirs, err := f.setFlags(ctx, e, flags)
	if err != nil {
		return Entry{}, err
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return Entry{}, fmt.Errorf("maildir: set flags of %s: %w", e.Path(f), err)
		}
	}
	return ne, nil
}

// setFlags renames and returns the directories to fsync.
func (f *Folder) setFlags(ctx context.Context, e Entry, flags Flags) (Entry, []string, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, nil, err
	}
	if err := f.checkEntry(e); err != nil {
		return Entry{}, nil, err
	}
	ne := e
	ne.Subdir = SubCur
	ne.Name = e.Name.WithFlags(flags)
	ne.File = ne.Name.String()
	ne.Name = ParseName(ne.File)
	if ne.Subdir == e.Subdir && ne.File == e.File {
		return e, nil, nil
	}
	if err := renameNoReplace(e.Path(f), ne.Path(f)); err != nil {
		return Entry{}, nil, fmt.Errorf("maildir: set flags %q on %s: %w", flags.String(), e.Path(f), err)
	}
	dirs := []string{filepath.Join(f.path, SubCur)}
	if e.Subdir != SubCur {
		dirs = append(dirs, filepath.Join(f.path, e.Subdir))
	}
	return ne, dirs, nil
}

// MoveTo moves a message file into folder dst, keeping its subdirectory
// and name, and makes the move durable (both directories fsynced). It
// never replaces a file: if dst already holds that name the error wraps
// fs.ErrExist and e stays where it is (after a crash between the two
// steps of a link-based move, both may exist; compare before removing
// either). Both folders must be on one file system (else the error wraps
// syscall.EXDEV). It returns the entry in dst.
func (f *Folder) MoveTo(ctx context.Context, e Entry, dst *Folder) (Entry, error) {
	dirs, err := f.moveTo(ctx, e, dst)
	if err != nil {
		return Entry{}, err
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return Entry{}, fmt.Errorf("maildir: move %s: %w", e.Path(f), err)
		}
	}
	return e, nil
}

func (f *Folder) moveTo(ctx context.Context, e Entry, dst *Folder) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.checkEntry(e); err != nil {
		return nil, err
	}
	if err := renameNoReplace(e.Path(f), e.Path(dst)); err != nil {
		return nil, fmt.Errorf("maildir: move %s to %s: %w", e.Path(f), dst.path, err)
	}
	return []string{filepath.Join(dst.path, e.Subdir), filepath.Join(f.path, e.Subdir)}, nil
}

// Remove deletes a message file and fsyncs its directory. A file already
// gone is not an error (the goal, its absence, holds).
func (f *Folder) Remove(ctx context.Context, e Entry) error {
	dir, err := f.remove(ctx, e)
	if err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("maildir: remove %s: %w", e.Path(f), err)
	}
	return nil
}

func (f *Folder) remove(ctx context.Context, e Entry) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := f.checkEntry(e); err != nil {
		return "", err
	}
	if err := os.Remove(e.Path(f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("maildir: remove %s: %w", e.Path(f), err)
	}
	return filepath.Join(f.path, e.Subdir), nil
}

// checkEntry rejects an entry that does not name a file in new/ or cur/.
func (f *Folder) checkEntry(e Entry) error {
	bad := e.Subdir != SubCur && e.Subdir != SubNew
	bad = bad || e.File == "" || e.File == "." || e.File == ".." || strings.ContainsAny(e.File, "/\x00")
	if bad {
		return fmt.Errorf("maildir: %s: bad entry %q/%q", f.path, e.Subdir, e.File)
	}
	return nil
}
