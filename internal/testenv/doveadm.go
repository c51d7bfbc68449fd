package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// doveadmTimeout bounds one doveadm run started by a test helper.
const doveadmTimeout = time.Minute

// The helpers below read and change mail on the server without our IMAP
// client: they run doveadm with this server's configuration, acting on a
// user directly (as root, doveadm switches to the user's mail uid). They
// are the tests' source of truth. Mailbox names are UTF-8 with "/" as the
// hierarchy separator ("Archive/2024", "Entwürfe").

// runDoveadm runs `doveadm -c CONF args...` with stdin and returns its
// stdout and the pid it ran as.
func (s *Server) runDoveadm(ctx context.Context, stdin io.Reader, args ...string) (string, int, error) {
	cmd := exec.CommandContext(ctx, s.bins.doveadm, append([]string{"-c", s.conf}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", 0, fmt.Errorf("testenv: doveadm %s: %w", strings.Join(args, " "), err)
	}
	pid := cmd.Process.Pid
	if err := cmd.Wait(); err != nil {
		return "", pid, fmt.Errorf("testenv: doveadm %s: %w: %s",
			strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), pid, nil
}

// doveadm is runDoveadm for a test helper: bounded by doveadmTimeout,
// failing tb on error.
func (s *Server) doveadm(tb testing.TB, stdin io.Reader, args ...string) (string, int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), doveadmTimeout)
	defer cancel()
	out, pid, err := s.runDoveadm(ctx, stdin, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out, pid
}

// Doveadm runs `doveadm -c CONF args...` (args as on the command line,
// e.g. "-f", "tab", "mailbox", "list", "-u", user) and returns its
// stdout. A non-zero exit fails the test with doveadm's stderr.
func (s *Server) Doveadm(tb testing.TB, args ...string) string {
	tb.Helper()
	out, _ := s.doveadm(tb, nil, args...)
	return out
}

// parseTab parses doveadm's `-f tab` output: a header row of field
// names, then one row per result.
func parseTab(out string) []map[string]string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 {
		return nil
	}
	keys := strings.Split(lines[0], "\t")
	rows := make([]map[string]string, 0, len(lines)-1)
	for _, l := range lines[1:] {
		vals := strings.Split(l, "\t")
		row := make(map[string]string, len(keys))
		for i, k := range keys {
			if i < len(vals) {
				row[k] = vals[i]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// CreateMailbox creates mailbox name for user and subscribes it. Parents
// of a nested name ("Archive/2024") appear as needed.
func (s *Server) CreateMailbox(tb testing.TB, user, name string) {
	tb.Helper()
	s.doveadm(tb, nil, "mailbox", "create", "-s", "-u", user, name)
}

// ListMailboxes returns user's mailbox names in UTF-8, as Dovecot lists
// them (INBOX included once it exists, parents of nested names too).
func (s *Server) ListMailboxes(tb testing.TB, user string) []string {
	tb.Helper()
	out, _ := s.doveadm(tb, nil, "mailbox", "list", "-u", user)
	out = strings.TrimRight(out, "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n") // one name per line
}

// MailboxStatus returns doveadm's `mailbox status all` for mailbox:
// keys messages, recent, uidnext, uidvalidity, unseen, highestmodseq,
// vsize, guid, firstsaved.
func (s *Server) MailboxStatus(tb testing.TB, user, mailbox string) map[string]string {
	tb.Helper()
	out, _ := s.doveadm(tb, nil, "-f", "tab", "mailbox", "status", "-u", user, "all", mailbox)
	rows := parseTab(out)
	if len(rows) != 1 {
		tb.Fatalf("testenv: mailbox status %q of %s: want 1 row, got %q", mailbox, user, out)
	}
	return rows[0]
}

// statusUint returns one numeric field of MailboxStatus.
func (s *Server) statusUint(tb testing.TB, user, mailbox, key string) uint32 {
	tb.Helper()
	v := s.MailboxStatus(tb, user, mailbox)[key]
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		tb.Fatalf("testenv: %s of %q (user %s): %q: %v", key, mailbox, user, v, err)
	}
	return uint32(n)
}

// Fetch returns doveadm fetch's single-line fields (space-separated, e.g.
// "uid flags guid modseq size.physical date.received") for every message
// of mailbox, in UID order, one map per message keyed by field name.
// Flags are as doveadm prints them, \Recent included. For message
// content use FetchText: multi-line fields do not fit this format.
func (s *Server) Fetch(tb testing.TB, user, mailbox, fields string) []map[string]string {
	tb.Helper()
	for _, f := range strings.Fields(fields) {
		switch f {
		case "hdr", "body", "text", "text.utf8", "body.snippet", "imap.body", "imap.bodystructure":
			tb.Fatalf("testenv: Fetch: field %q is multi-line; use FetchText", f)
		}
	}
	out, _ := s.doveadm(tb, nil, "-f", "tab", "fetch", "-u", user, fields, "mailbox", mailbox, "all")
	return parseTab(out)
}

// FetchText returns the full text (header and body) of the message with
// uid in mailbox as Dovecot stores it: Maildir files hold LF line endings
// (a message saved with CRLF comes back with LF; over IMAP it is CRLF).
func (s *Server) FetchText(tb testing.TB, user, mailbox string, uid uint32) []byte {
	tb.Helper()
	out, _ := s.doveadm(tb, nil, "fetch", "-u", user, "text", "mailbox", mailbox, "uid", strconv.FormatUint(uint64(uid), 10))
	text, ok := strings.CutPrefix(out, "text:\n")
	if !ok {
		tb.Fatalf("testenv: FetchText: no message with UID %d in %q (user %s)", uid, mailbox, user)
	}
	return []byte(text)
}

// MessageFlags returns the flags of message uid without \Recent (which
// doveadm reports but no client may set), in Dovecot's order.
func (s *Server) MessageFlags(tb testing.TB, user, mailbox string, uid uint32) []string {
	tb.Helper()
	// "uid" too: a message without flags would give an empty row, which
	// the tab parser cannot tell from no row.
	out, _ := s.doveadm(tb, nil, "-f", "tab", "fetch", "-u", user, "uid flags", "mailbox", mailbox, "uid", strconv.FormatUint(uint64(uid), 10))
	rows := parseTab(out)
	if len(rows) != 1 {
		tb.Fatalf("testenv: MessageFlags: no message with UID %d in %q (user %s)", uid, mailbox, user)
	}
	var flags []string
	for _, f := range strings.Fields(rows[0]["flags"]) {
		if f != `\Recent` {
			flags = append(flags, f)
		}
	}
	return flags
}

// uidArg formats uids as an IMAP sequence set for doveadm's UID key.
func uidArg(uids []uint32) string {
	parts := make([]string, len(uids))
	for i, u := range uids {
		parts[i] = strconv.FormatUint(uint64(u), 10)
	}
	return strings.Join(parts, ",")
}

// flagsCmd runs `doveadm flags op` for one message.
func (s *Server) flagsCmd(tb testing.TB, op, user, mailbox string, uid uint32, flags []string) {
	tb.Helper()
	s.doveadm(tb, nil, "flags", op, "-u", user, strings.Join(flags, " "),
		"mailbox", mailbox, "uid", uidArg([]uint32{uid}))
}

// SetFlags replaces the flags of message uid with flags (system flags
// like `\Seen` and keywords like `$Forwarded`); with no flags, it clears
// them all.
func (s *Server) SetFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string) {
	tb.Helper()
	if len(flags) == 0 {
		if cur := s.MessageFlags(tb, user, mailbox, uid); len(cur) > 0 {
			s.flagsCmd(tb, "remove", user, mailbox, uid, cur)
		}
		return
	}
	s.flagsCmd(tb, "replace", user, mailbox, uid, flags)
}

// AddFlags adds flags to message uid, keeping the others.
func (s *Server) AddFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string) {
	tb.Helper()
	s.flagsCmd(tb, "add", user, mailbox, uid, flags)
}

// RemoveFlags removes flags from message uid, keeping the others.
func (s *Server) RemoveFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string) {
	tb.Helper()
	s.flagsCmd(tb, "remove", user, mailbox, uid, flags)
}

// Expunge removes the messages with uids from mailbox at once (as an
// IMAP client's \Deleted + EXPUNGE would). No uids: nothing happens.
func (s *Server) Expunge(tb testing.TB, user, mailbox string, uids ...uint32) {
	tb.Helper()
	if len(uids) == 0 {
		return
	}
	s.doveadm(tb, nil, "expunge", "-u", user, "mailbox", mailbox, "uid", uidArg(uids))
}

// ForceUIDValidityChange gives mailbox a new UIDVALIDITY (the old one
// plus one) keeping its messages, as after a server-side rebuild, and
// returns the new value. Clients must treat every cached UID as invalid
// (RFC 9051 §2.3.1.1).
func (s *Server) ForceUIDValidityChange(tb testing.TB, user, mailbox string) uint32 {
	tb.Helper()
	old := s.statusUint(tb, user, mailbox, "uidvalidity")
	nv := old + 1
	if nv == 0 {
		nv = 1
	}
	s.doveadm(tb, nil, "mailbox", "update", "-u", user, "--uid-validity", strconv.FormatUint(uint64(nv), 10), mailbox)
	if got := s.statusUint(tb, user, mailbox, "uidvalidity"); got != nv {
		tb.Fatalf("testenv: UIDVALIDITY of %q (user %s) is %d after update to %d", mailbox, user, got, nv)
	}
	return nv
}

// PreauthCommand returns (not started) Dovecot's imap binary for user,
// already authenticated, speaking IMAP on its stdin and stdout: it greets
// with "* PREAUTH [CAPABILITY ...]" (RFC 9051 §7.1.4). No network, no
// TLS, no login: the fastest way for a test to talk to real Dovecot.
//
//	cmd := srv.PreauthCommand(ctx, u.Name)
//	in, _ := cmd.StdinPipe()
//	out, _ := cmd.StdoutPipe()
//	cmd.Start() // ... speak IMAP; LOGOUT or close in, then cmd.Wait()
//
// Its log lines go to the server's log file unless Stderr is replaced.
// ctx ends the process.
func (s *Server) PreauthCommand(ctx context.Context, user string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.bins.imap, "-c", s.conf, "-u", user)
	cmd.Env = append(os.Environ(), "USER="+user)
	if home, err := s.home(user); err == nil {
		cmd.Env = append(cmd.Env, "HOME="+home) // never the caller's own home
	}
	cmd.Stderr = logAppender(s.LogPath())
	return cmd
}

// logAppender is an io.Writer appending each write to a file, opened per
// write so no descriptor outlives the write.
type logAppender string

// Write appends p to the file; errors are reported to the caller.
func (l logAppender) Write(p []byte) (int, error) {
	f, err := os.OpenFile(string(l), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := f.Write(p)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
