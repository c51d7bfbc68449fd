package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// scanChunk is how many directory entries Scan reads per getdents batch.
const scanChunk = 4096

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
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("maildir: scan %s: %w", dir, err)
	}
	defer d.Close()
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("maildir: scan %s: %w", dir, err)
		}
		ents, err := d.ReadDir(scanChunk)
		for _, de := range ents {
			e, ok, serr := scanEntry(dir, sub, de, opts)
			if serr != nil {
				return nil, serr
			}
			if ok {
				out = append(out, e)
			}
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("maildir: scan %s: %w", dir, err)
		}
	}
}

// scanEntry turns a directory entry into an Entry; ok is false for entries
// to skip.
func scanEntry(dir, sub string, de fs.DirEntry, opts ScanOptions) (Entry, bool, error) {
	name := de.Name()
	if name == "" || name[0] == '.' || de.IsDir() {
		return Entry{}, false, nil
	}
	e := Entry{Subdir: sub, File: name, Name: ParseName(name), Size: -1}
	if s, ok := e.Name.Size(); ok {
		e.Size = s
	}
	if !opts.Stat {
		return e, true, nil
	}
	info, err := de.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("maildir: stat %s: %w", filepath.Join(dir, name), err)
	}
	if info.IsDir() {
		return Entry{}, false, nil
	}
	e.Size, e.ModTime = info.Size(), info.ModTime()
	return e, true, nil
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
