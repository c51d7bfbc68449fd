package imapstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Spool files (bodies fetched or appended that are too large for memory)
// are named imapdir-spool-<pid>-<random>, so that one left behind by a
// process killed with -9 is recognised and removed by a later run.
const spoolPrefix = "imapdir-spool-"

// spoolStaleAge is how old a spool file must be, besides its process being
// gone, to be removed: a pid reused since is then harmless.
const spoolStaleAge = time.Hour

// createSpool creates a spool file in dir.
func createSpool(dir string) (*os.File, error) {
	return os.CreateTemp(dir, spoolPrefix+strconv.Itoa(os.Getpid())+"-*")
}

// cleanSpool removes the spool files in dir older than spoolStaleAge whose
// process is gone, and returns how many it removed. Errors are ignored:
// cleaning is a courtesy, never a reason to fail a run.
func cleanSpool(dir string, now time.Time) int {
	matches, _ := filepath.Glob(filepath.Join(dir, spoolPrefix+"*"))
	n := 0
	for _, path := range matches {
		pid, ok := spoolPID(filepath.Base(path))
		if !ok || processAlive(pid) {
			continue
		}
		fi, err := os.Lstat(path)
		if err != nil || !fi.Mode().IsRegular() || now.Sub(fi.ModTime()) < spoolStaleAge {
			continue
		}
		if os.Remove(path) == nil {
			n++
		}
	}
	return n
}

// spoolPID reads the pid out of a spool file's name.
func spoolPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, spoolPrefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(digits)
	return pid, ok && err == nil && pid > 0
}

// processAlive reports whether a process with pid exists (signal 0;
// EPERM means it exists under another user).
func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// spoolErr names the spool file in an error.
func spoolErr(what string, f *os.File, err error) error {
	return fmt.Errorf("imapstore: %s %s: %w", what, f.Name(), err)
}
