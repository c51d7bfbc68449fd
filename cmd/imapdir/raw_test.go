package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/hostile"
	"github.com/imapdir/imapdir/internal/testenv"
)

// A literal's bytes follow its announcement ({N}, or {N+} non-synchronizing)
// on the next lines, in -c values and piped in alike; Dovecot stores them.
func TestRawLiteralsAppendToDovecot(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.CreateMailbox(t, a.user.Name, "Box")
	msg := "Subject: one\r\n\r\nbody one\r\n" // typed as three lines
	lines := strings.TrimSuffix(strings.ReplaceAll(msg, "\r\n", "\n"), "\n")
	r := a.run("raw", "work",
		"-c", fmt.Sprintf("APPEND Box {%d}\n%s", len(msg), lines),
		"-c", fmt.Sprintf("APPEND Box (\\Seen) {%d+}", len(msg)+1), "-c", strings.Replace(lines, "one", "two!", 1)).must(t, 0)
	if strings.Count(r.stdout, "APPENDUID") != 2 {
		t.Errorf("two APPENDs, not two APPENDUIDs:\n%s", r.stdout)
	}
	cmd := exec.Command(binary, "--config", a.config, "raw", "work")
	cmd.Stdin = strings.NewReader(fmt.Sprintf("APPEND Box {%d}\n%s\nSTATUS Box (MESSAGES)\n", len(msg), strings.Replace(lines, "one", "owt", 2)))
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "(MESSAGES 3)") {
		t.Fatalf("piped APPEND: %v\n%s", err, out)
	}
	for uid, want := range []string{msg, strings.Replace(msg, "one", "two!", 1), strings.Replace(msg, "one", "owt", 2)} {
		if got := string(a.srv.FetchText(t, a.user.Name, "Box", uint32(uid+1))); strings.ReplaceAll(got, "\r\n", "\n") != strings.ReplaceAll(want, "\r\n", "\n") {
			t.Errorf("UID %d holds %q, want %q", uid+1, got, want)
		}
	}
	if f := a.srv.MessageFlags(t, a.user.Name, "Box", 2); len(f) != 1 || f[0] != `\Seen` {
		t.Errorf("UID 2 has flags %q, want \\Seen", f)
	}
}

// --json prints one JSON object a response.
func TestRawJSONAgainstDovecot(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	r := a.run("--json", "raw", "work", "-c", "SELECT INBOX").must(t, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var last map[string]any
	for _, l := range lines {
		last = nil
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("not JSON: %q (%v)", l, err)
		}
	}
	if last["status"] != "OK" || last["code"] != "READ-WRITE" {
		t.Errorf("last line %v, want the tagged OK [READ-WRITE]", last)
	}
	if !strings.Contains(r.stdout, `"fields":[0,"EXISTS"]`) {
		t.Errorf("no EXISTS as [0,\"EXISTS\"]:\n%s", r.stdout)
	}
}

// pty is a program running on a pseudo-terminal, driven by the test.
type pty struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan struct{}
}

func startInPTY(t *testing.T, args ...string) *pty {
	t.Helper()
	master, slave := openPTY(t, 40, 120)
	p := &pty{t: t, master: master, done: make(chan struct{}), cmd: exec.Command(binary, args...)}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, slave
	p.cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "TERM=xterm")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil { // EIO once the child exits
				return
			}
		}
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		master.Close()
	})
	return p
}

func (p *pty) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor waits until the terminal has shown want n times in all.
func (p *pty) waitFor(want string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(p.screen(), want) < n {
		select {
		case <-p.done:
			p.t.Fatalf("the program ended before showing %q %d times:\n%q", want, n, p.screen())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %q (%d times) on the terminal:\n%q", want, n, p.screen())
		}
	}
}

func (p *pty) send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.master, s); err != nil {
		p.t.Fatal(err)
	}
}

// wait returns the exit code, failing the test if the program runs on.
func (p *pty) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Fatalf("the program did not end:\n%q", p.screen())
	}
	p.cmd.Wait()
	return p.cmd.ProcessState.ExitCode()
}

// In the REPL on a terminal, Ctrl-C abandons the command waiting for its
// answer and the REPL goes on (the next command is answered); Ctrl-C at
// the prompt only clears the line; Ctrl-D leaves with exit 0.
func TestRawCtrlCInterruptsAndCtrlDLeaves(t *testing.T) {
	t.Parallel()
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	release := make(chan struct{})
	px := hostile.Start(t, hostile.Options{Upstream: srv.IMAPAddr(), Rules: []hostile.Rule{{
		Command: "NOOP", Times: 1,
		Act: func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
			<-release
			return c.Forward(held)
		},
	}}})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()
	cfg := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[accounts.work]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"plaintext-insecure\"\nuser = %q\npassword = %q\nmaildir = %q\n",
		px.Port(), u.Name, u.Password, filepath.Join(t.TempDir(), "Maildir"))), 0o600)
	p := startInPTY(t, "--config", cfg, "raw", "work")
	p.waitFor("imap> ", 1)
	p.send("NOOP\r")
	p.waitFor("NOOP\r\n", 1) // echoed: the command is on its way
	p.send("\x03")
	p.waitFor("interrupted", 1)
	p.waitFor("imap> ", 2)
	free() // the server's answer to NOOP comes late, and is dropped
	p.send("SELECT NotThere\x03")
	p.send("STATUS INBOX (MESSAGES)\r")
	p.waitFor("(MESSAGES 0)", 1)
	p.waitFor("imap> ", 3)
	if strings.Contains(p.screen(), "NotThere") && strings.Contains(p.screen(), "NONEXISTENT") {
		t.Errorf("the line cleared by Ctrl-C was sent:\n%q", p.screen())
	}
	p.send("\x04")
	if code := p.wait(); code != 0 {
		t.Errorf("Ctrl-D: exit %d, want 0\n%q", code, p.screen())
	}
}
