package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ScanOptions says how much Scan learns about each file.
type ScanOptions struct {
	// Stat makes Scan stat every file for its size and mtime. Without it,
	// Size comes from a ",S=" name field (or is -1) and ModTime is zero.
	Stat bool
}

// Scan lists the messages of the folder: one pass over new/ and one over
// cur/, with no per-file system call unless opts.Stat is set. Names that
// start with '.' and entries that are directories are skipped. A file that
// vanishes between the listing and its stat (a mail reader renamed it) is
// left out; scan again to see its new name. The order is the directory's,
// not sorted.
func (f *Folder) Scan(ctx context.Context, opts ScanOptions) ([]Entry, error) {
	var out []Entry
	for _, sub := range []string{SubNew, SubCur} {
		var err error
		out, err = f.scanDir(ctx, sub, opts, out)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (f *Folder) scanDir(ctx context.Context, sub string, opts ScanOptions, out []Entry) ([]Entry, error) {
	dir := filepath.Join(f.path, sub)
	var statErr error
	err := readDirNames(ctx, dir, func(name string, ino uint64) {
		if name[0] == '.' || statErr != nil {
			return
		}
		e := Entry{Subdir: sub, File: name, Name: ParseName(name), Size: -1, Ino: ino}
		if s, ok := e.Name.Size(); ok {
			e.Size = s
		}
		if opts.Stat {
			var ok bool
			if ok, statErr = statEntry(dir, &e); !ok {
				return
			}
		}
		out = append(out, e)
	})
	if err == nil {
		err = statErr
	}
	if err != nil {
		return nil, fmt.Errorf("maildir: scan %s: %w", dir, err)
	}
	return out, nil
}

// statEntry fills in size and mtime; ok is false when the file vanished
// or turned out to be a directory.
func statEntry(dir string, e *Entry) (ok bool, err error) {
	info, err := os.Lstat(filepath.Join(dir, e.File))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if info.IsDir() {
		return false, nil
	}
	e.Size, e.ModTime = info.Size(), info.ModTime()
	return true, nil
}

// OpenEntry opens a message file for reading. If the file is gone (a mail
// reader renamed it, e.g. to change flags) the error wraps fs.ErrNotExist:
// scan again and look the message up by Name.Unique.
func (f *Folder) OpenEntry(e Entry) (*os.File, error) {
	if err := f.checkEntry(e); err != nil {
		return nil, err
	}
	file, err := os.Open(e.Path(f))
	if err != nil {
		return nil, fmt.Errorf("maildir: open message: %w", err)
	}
	return file, nil
}
