package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// The three subdirectories of a Maildir folder.
const (
	SubTmp = "tmp"
	SubNew = "new"
	SubCur = "cur"
)

// StaleTmpAge is how old a file in tmp/ must be before Open removes it: the
// Maildir specification says a file untouched for 36 hours is garbage.
const StaleTmpAge = 36 * time.Hour

// ErrNotMaildir is returned (wrapped) by Open when the directory lacks one
// of tmp/, new/ or cur/, or one of them is not a directory.
var ErrNotMaildir = errors.New("not a maildir folder")

// Step names a point in a delivery, for the step hook used by crash tests.
type Step int

// Delivery steps, in the order they happen.
const (
	StepWritten   Step = iota + 1 // data and mtime written to the tmp/ file
	StepSynced                    // file data flushed to disk (fsync or syncfs)
	StepRenamed                   // file renamed into new/ or cur/
	StepDirSynced                 // destination directory fsynced: durable
)

// String returns the step's name.
func (s Step) String() string {
	switch s {
	case StepWritten:
		return "written"
	case StepSynced:
		return "synced"
	case StepRenamed:
		return "renamed"
	case StepDirSynced:
		return "dir-synced"
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// StepHook is called after each delivery step with the file's current path.
// It exists for crash tests: a non-nil error abandons the delivery exactly
// as a crash at that point would (nothing is cleaned up) and is returned,
// wrapped, to the caller.
type StepHook func(step Step, path string) error

// Option configures a Folder in Create or Open.
type Option func(*Folder)

// WithNamer makes the folder use n for unique names (default: a new Namer
// per folder).
func WithNamer(n *Namer) Option { return func(f *Folder) { f.namer = n } }

// WithStepHook installs a hook called after each delivery step (tests).
func WithStepHook(h StepHook) Option { return func(f *Folder) { f.hook = h } }

// WithClock replaces time.Now for stale tmp/ cleanup (tests).
func WithClock(now func() time.Time) Option { return func(f *Folder) { f.now = now } }

// WithLogger gives the folder a logger for what it cleans up.
func WithLogger(l *slog.Logger) Option { return func(f *Folder) { f.log = l } }

// Folder is one Maildir folder: a directory holding tmp/, new/ and cur/.
// Its methods are safe for concurrent use; the file system is the only
// shared state.
type Folder struct {
	path  string
	namer *Namer
	hook  StepHook
	now   func() time.Time
	log   *slog.Logger
}

func newFolder(path string, opts []Option) *Folder {
	f := &Folder{path: filepath.Clean(path), now: time.Now}
	for _, o := range opts {
		o(f)
	}
	if f.namer == nil {
		f.namer = NewNamer()
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	return f
}

// Path returns the folder's directory.
func (f *Folder) Path() string { return f.path }

// Create makes the folder (and missing parents) with tmp/, new/ and cur/,
// mode 0700, fsyncs what it created, then opens it as Open does. Creating
// an existing folder is not an error.
func Create(path string, opts ...Option) (*Folder, error) {
	f := newFolder(path, opts)
	if err := mkdirAllSynced(f.path); err != nil {
		return nil, fmt.Errorf("maildir: create %s: %w", f.path, err)
	}
	for _, sub := range []string{SubTmp, SubNew, SubCur} {
		p := filepath.Join(f.path, sub)
		err := os.Mkdir(p, 0o700)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("maildir: create %s: %w", p, err)
		}
	}
	if err := syncDir(f.path); err != nil {
		return nil, fmt.Errorf("maildir: create %s: %w", f.path, err)
	}
	return f, f.open()
}

// Open opens an existing folder: it checks that tmp/, new/ and cur/ are
// directories (else the error wraps ErrNotMaildir) and removes files in
// tmp/ older than StaleTmpAge, as the Maildir specification asks.
func Open(path string, opts ...Option) (*Folder, error) {
	f := newFolder(path, opts)
	if err := f.open(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Folder) open() error {
	if err := Validate(f.path); err != nil {
		return err
	}
	return f.cleanTmp()
}

// Validate reports whether dir is a Maildir folder: nil when tmp/, new/ and
// cur/ exist and are directories; an error wrapping ErrNotMaildir (or the
// file system's error) otherwise.
func Validate(dir string) error {
	for _, sub := range []string{SubTmp, SubNew, SubCur} {
		p := filepath.Join(dir, sub)
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("maildir: %s: missing %s/: %w", dir, sub, ErrNotMaildir)
		}
		if err != nil {
			return fmt.Errorf("maildir: %s: %w", dir, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("maildir: %s: %s is not a directory: %w", dir, sub, ErrNotMaildir)
		}
	}
	return nil
}

// isMaildir reports whether dir looks like a folder, without details.
func isMaildir(dir string) bool { return Validate(dir) == nil }

// cleanTmp removes regular files in tmp/ not written or changed for
// StaleTmpAge (see lastChange: a staged delivery's mtime is the message's
// date, its ctime when it was staged).
func (f *Folder) cleanTmp() error {
	dir := filepath.Join(f.path, SubTmp)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("maildir: clean %s: %w", dir, err)
	}
	limit := f.now().Add(-StaleTmpAge)
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !lastChange(info).Before(limit) {
			continue // vanished meanwhile, or still fresh
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("maildir: remove stale %s: %w", p, err)
		}
		f.log.Info("removed stale tmp file", "path", p, "mtime", info.ModTime())
	}
	return nil
}

// mkdirAllSynced creates dir and its missing parents (mode 0700) and fsyncs
// the parent of each directory it created, so the new entries are durable.
func mkdirAllSynced(dir string) error {
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s: not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllSynced(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

// syncDir fsyncs a directory so that entries created, renamed or removed in
// it are on disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}
