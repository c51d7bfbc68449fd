package statedb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// LockFileName is the account lock file, next to the state database.
const LockFileName = ".imapdir.lock"

// ErrLocked is wrapped by [*LockedError].
var ErrLocked = errors.New("account is locked by another imapdir run")

// LockedError reports that another process holds the account lock.
type LockedError struct {
	Path  string    // the lock file
	PID   int       // holder's pid; 0 if it has not written it yet
	Since time.Time // when the holder took the lock; zero if unknown
}

// Error names the lock file and the holder.
func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	since := ""
	if !e.Since.IsZero() {
		since = " since " + e.Since.Local().Format(time.RFC3339)
	}
	return fmt.Sprintf("statedb: %s: account is locked by %s%s (another imapdir run on this account?)",
		e.Path, holder, since)
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a held account lock.
type Lock struct {
	path string
	f    *os.File
}

// AcquireLock takes the account lock in dir (the directory of the state
// database, by default the account's Maildir root): an exclusive flock(2) on
// dir/.imapdir.lock, which then holds the pid and start time of the holder.
// It does not wait: if another process (or another Lock in this process)
// holds it, it returns a *LockedError. The kernel releases the lock when the
// holder exits, even after kill -9; the file itself stays.
func AcquireLock(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("statedb: lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, readHolder(path)
		}
		return nil, fmt.Errorf("statedb: lock %s: %w", path, err)
	}
	if err := writeHolder(f); err != nil {
		f.Close() // closing releases the flock
		return nil, fmt.Errorf("statedb: lock %s: record holder: %w", path, err)
	}
	return &Lock{path: path, f: f}, nil
}

// writeHolder replaces the lock file's content with "pid unix-seconds\n".
func writeHolder(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	line := fmt.Sprintf("%d %d\n", os.Getpid(), time.Now().Unix())
	_, err := f.WriteAt([]byte(line), 0)
	return err
}

// readHolder builds the LockedError from the lock file's content.
func readHolder(path string) error {
	e := &LockedError{Path: path}
	b, err := os.ReadFile(path)
	if err != nil {
		return e
	}
	fields := strings.Fields(string(b))
	if len(fields) >= 1 {
		e.PID, _ = strconv.Atoi(fields[0])
	}
	if len(fields) >= 2 {
		if sec, err := strconv.ParseInt(fields[1], 10, 64); err == nil && sec > 0 {
			e.Since = time.Unix(sec, 0)
		}
	}
	return e
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Close releases the lock. Calling it again is a no-op.
func (l *Lock) Close() error {
	if l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	_ = f.Truncate(0) // best effort: a stale pid would mislead nobody (flock is what counts)
	if err := f.Close(); err != nil {
		return fmt.Errorf("statedb: unlock %s: %w", f.Name(), err)
	}
	return nil
}
