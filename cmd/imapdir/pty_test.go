package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair (Linux /dev/ptmx) of rows×cols.
func openPTY(t *testing.T, rows, cols uint16) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// runInPTY runs the binary with stdout and stderr on a terminal and
// returns everything the terminal received.
func runInPTY(t *testing.T, args ...string) (int, string) {
	t.Helper()
	master, slave := openPTY(t, 40, 120)
	defer master.Close()
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = slave, slave
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "TERM=xterm")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&out, master); close(done) }() // ends with EIO once the child exits
	err := cmd.Wait()
	<-done
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String()
}

// On a terminal the bars redraw in place (cursor up, erase), rather than
// appending a new copy of every bar on each refresh, and the summary
// follows them once.
func TestProgressBarsRedrawOnATerminal(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	for i := 0; i < 400; i++ {
		a.srv.SaveMessage(t, a.user.Name, "INBOX", message(fmt.Sprintf("message %d %s", i, strings.Repeat("x", 2000))))
	}
	code, screen := runInPTY(t, "--config", a.config, "sync")
	if code != 0 {
		t.Fatalf("sync on a terminal: exit %d\n%q", code, screen)
	}
	if n := strings.Count(screen, "\x1b["); n < 2 {
		t.Errorf("the bars never redrew in place (%d escape sequences):\n%q", n, screen)
	}
	final := terminalScreen(screen)
	var bars []string
	for _, l := range final {
		if strings.HasPrefix(l, "total ") || strings.HasPrefix(l, "work/INBOX ") {
			bars = append(bars, l)
		}
	}
	if len(bars) != 1 || !strings.Contains(bars[0], "400/400 msgs") {
		t.Errorf("the final screen should hold one total bar at 400/400, has %q:\n%s", bars, strings.Join(final, "\n"))
	}
	if last := final[len(final)-1]; !strings.HasPrefix(last, "imapdir: 1 account, 1 mailbox, 400 changes") {
		t.Errorf("the final line is %q", last)
	}
}

// terminalScreen replays what a terminal received — lines, cursor up
// (ESC [ n A) and erase below (ESC [ J), the sequences the bars use — and
// returns the lines left on the screen.
func terminalScreen(out string) []string {
	var lines []string
	row := 0
	put := func(text string) {
		for len(lines) <= row {
			lines = append(lines, "")
		}
		lines[row] += text
	}
	for len(out) > 0 {
		switch {
		case strings.HasPrefix(out, "\r\n"):
			put("")
			row++
			out = out[2:]
		case strings.HasPrefix(out, "\x1b["):
			end := strings.IndexAny(out[2:], "ABCDJK") + 2
			arg, op := out[2:end], out[end]
			out = out[end+1:]
			switch op {
			case 'A':
				n := 1
				fmt.Sscanf(arg, "%d", &n)
				row = max(row-n, 0)
			case 'J':
				if row < len(lines) {
					lines = lines[:row]
				}
			}
		default:
			i := strings.IndexAny(out, "\r\x1b")
			if i < 0 {
				i = len(out)
			}
			if i == 0 { // a lone CR: back to the line's start
				if row < len(lines) {
					lines[row] = ""
				}
				i = 1
			} else {
				put(out[:i])
			}
			out = out[i:]
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return lines
}
