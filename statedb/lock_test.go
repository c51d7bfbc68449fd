package statedb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestLockInProcess(t *testing.T) {
	dir := t.TempDir()
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(l.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file %s: %v %v, want mode 600", l.Path(), fi, err)
	}
	_, err = AcquireLock(dir)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second AcquireLock = %v, want *LockedError", err)
	}
	if le.PID != os.Getpid() || le.Since.IsZero() {
		t.Errorf("LockedError = %+v, want pid %d and a start time", le, os.Getpid())
	}
	if !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) || !strings.Contains(err.Error(), l.Path()) {
		t.Errorf("error %q does not name the holder pid and the lock file", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	l2, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("AcquireLock after release = %v", err)
	}
	l2.Close()
}

func TestLockMissingDirectory(t *testing.T) {
	dir := t.TempDir() + "/missing"
	if _, err := AcquireLock(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("AcquireLock(missing dir) = %v, want an error naming it", err)
	}
}

// lockHelperEnv tells the re-executed test binary to act as a lock holder.
const lockHelperEnv = "STATEDB_TEST_LOCK_HOLDER_DIR"

// TestLockHelperProcess is not a test: run by TestLockAcrossProcesses in a
// child process, it takes the lock, says "locked", and holds the lock until
// its stdin is closed.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		return // not running as the helper
	}
	l, err := AcquireLock(dir)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	l.Close()
	os.Exit(0)
}

// startHolder runs the helper process and waits until it holds the lock.
func startHolder(t *testing.T, dir string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q (%v), want locked", line, err)
	}
	return cmd, stdin
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin := startHolder(t, dir)
	_, err := AcquireLock(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("AcquireLock while another process holds it = %v, want *LockedError with pid %d", err, cmd.Process.Pid)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("process %d", cmd.Process.Pid)) {
		t.Errorf("error %q does not name the holder", err)
	}
	stdin.Close() // the holder releases and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("AcquireLock after the holder released = %v", err)
	}
	l.Close()
}

func TestLockReleasedWhenHolderIsKilled(t *testing.T) {
	dir := t.TempDir()
	cmd, _ := startHolder(t, dir)
	if _, err := AcquireLock(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("AcquireLock = %v, want ErrLocked", err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup in the holder
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("AcquireLock after the holder was killed = %v", err)
	}
	l.Close()
}
