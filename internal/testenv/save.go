package testenv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// SaveMessage stores raw (an RFC 5322 message; Dovecot's Maildir keeps
// LF line endings) in mailbox and returns its UID.
func (s *Server) SaveMessage(tb testing.TB, user, mailbox string, raw []byte) uint32 {
	tb.Helper()
	return s.SaveMessages(tb, user, mailbox, raw)[0]
}

// SaveMessages stores each raw message in mailbox, in order, and returns
// their UIDs (increasing). The mailbox must exist (INBOX always does).
//
// They are appended by Dovecot's own imap process started pre-authenticated
// (PreauthCommand), not by our client: one process for the whole batch,
// APPEND with LITERAL+ (RFC 7888) and the UIDs read from APPENDUID
// (RFC 4315 §3). One doveadm save per message would cost a process start
// each, tens of milliseconds on a busy machine.
func (s *Server) SaveMessages(tb testing.TB, user, mailbox string, raws ...[]byte) []uint32 {
	tb.Helper()
	if len(raws) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), doveadmTimeout)
	defer cancel()
	uids, err := s.appendAll(ctx, user, s.wireMailbox(tb, mailbox), raws)
	if err != nil {
		tb.Fatalf("testenv: save %d messages into %q (user %s): %v", len(raws), mailbox, user, err)
	}
	return uids
}

// wireMailbox returns mailbox as an IMAP quoted string, in modified UTF-7
// (RFC 3501 §5.1.3) as converted by Dovecot itself when it is not plain
// ASCII.
func (s *Server) wireMailbox(tb testing.TB, mailbox string) string {
	tb.Helper()
	name := mailbox
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r > 0x7e || r == '&' }) {
		out, _ := s.doveadm(tb, nil, "mailbox", "mutf7", name)
		name = strings.TrimRight(out, "\n")
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// appendAll APPENDs raws to the quoted mailbox through a preauth imap
// process and returns the UIDs from the APPENDUID codes.
func (s *Server) appendAll(ctx context.Context, user, quoted string, raws [][]byte) ([]uint32, error) {
	cmd := s.PreauthCommand(ctx, user)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start imap: %w", err)
	}
	written := make(chan error, 1)
	go func() { written <- writeAppends(in, quoted, raws) }()
	uids, rerr := readAppendUIDs(bufio.NewReader(out), len(raws))
	if rerr != nil {
		_ = cmd.Process.Kill() // unblocks the writer
	}
	werr := <-written
	_, _ = io.Copy(io.Discard, out)
	cerr := cmd.Wait()
	switch {
	case rerr != nil:
		return nil, rerr
	case werr != nil:
		return nil, fmt.Errorf("write to imap: %w", werr)
	case cerr != nil:
		return nil, fmt.Errorf("imap: %w", cerr)
	}
	return uids, nil
}

// writeAppends sends one APPEND per message, tagged s0, s1, ..., with
// non-synchronizing literals, then LOGOUT, and closes w.
func writeAppends(w io.WriteCloser, quoted string, raws [][]byte) error {
	bw := bufio.NewWriter(w)
	for i, raw := range raws {
		fmt.Fprintf(bw, "s%d APPEND %s {%d+}\r\n", i, quoted, len(raw))
		bw.Write(raw)
		bw.WriteString("\r\n")
	}
	bw.WriteString("z LOGOUT\r\n")
	if err := bw.Flush(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// readAppendUIDs reads the responses to writeAppends: untagged lines are
// skipped; each "sI OK [APPENDUID <validity> <uid>] ..." gives message
// I's UID; any other tagged status is an error carrying its text.
func readAppendUIDs(r *bufio.Reader, n int) ([]uint32, error) {
	uids := make([]uint32, n)
	for got := 0; got < n; {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read imap response (%d of %d appended): %w", got, n, err)
		}
		line = strings.TrimRight(line, "\r\n")
		if !strings.HasPrefix(line, "s") {
			continue // greeting, untagged data
		}
		i, uid, err := parseAppendUID(line)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= n || uids[i] != 0 {
			return nil, fmt.Errorf("unexpected tagged response %q", line)
		}
		uids[i] = uid
		got++
	}
	return uids, nil
}

// parseAppendUID parses "sI OK [APPENDUID <validity> <uid>] text".
func parseAppendUID(line string) (int, uint32, error) {
	tag, rest, _ := strings.Cut(line, " ")
	i, err := strconv.Atoi(tag[1:])
	if err != nil {
		return -1, 0, fmt.Errorf("unexpected response %q", line)
	}
	code, ok := strings.CutPrefix(rest, "OK [APPENDUID ")
	if !ok {
		return i, 0, fmt.Errorf("APPEND of message %d: %s", i, rest)
	}
	f := strings.Fields(strings.SplitN(code, "]", 2)[0])
	if len(f) != 2 {
		return i, 0, fmt.Errorf("malformed APPENDUID in %q", line)
	}
	uid, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil || uid == 0 {
		return i, 0, fmt.Errorf("malformed APPENDUID in %q", line)
	}
	return i, uint32(uid), nil
}
