//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptMidSyncThenResume sends SIGINT while the first sync copies
// messages: the run stops with exit 1 saying so, and the next run finishes
// the job with every message once.
func TestInterruptMidSyncThenResume(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "connections = 1\n")
	const n = 2000
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = append(message(fmt.Sprintf("bulk %d", i)), bytes.Repeat([]byte("0123456789abcdef\n"), 600)...)
	}
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Time{}, raws...)

	cmd := exec.Command(binary, "--config", a.config, "--json", "sync")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	signaled := false
	for sc.Scan() { // interrupt once copies are under way (the first progress event)
		if !signaled && strings.Contains(sc.Text(), `"event":"progress"`) {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			signaled = true
		}
	}
	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	// A run that finished before a progress event or the signal is fine
	// too (exit 0), though it tests less.
	if code != 0 && (code != 130 || !strings.Contains(errOut.String(), "interrupted; ") || !strings.Contains(errOut.String(), " done, the next run continues")) {
		t.Fatalf("interrupted sync: %v, exit %d\n%s", err, code, errOut.String())
	}
	t.Logf("interrupted (%v) run: exit %d, %d files so far", signaled, code, len(maildirFiles(t, a.maildir)))

	a.run("sync").must(t, 0)
	if got := countIn(maildirFiles(t, a.maildir), "INBOX"); got != n {
		t.Errorf("after resuming the Maildir holds %d messages, want %d", got, n)
	}
	r := a.run("--json", "sync").must(t, 0)
	if done := jsonEvents(t, r.stdout)["done"]; len(done) != 1 || done[0]["changes"].(float64) != 0 {
		t.Errorf("third sync is not a no-op: %v", done)
	}
	if st := a.srv.MailboxStatus(t, a.user.Name, "INBOX"); st["messages"] != fmt.Sprint(n) {
		t.Errorf("the server holds %s messages, want %d", st["messages"], n)
	}
}
