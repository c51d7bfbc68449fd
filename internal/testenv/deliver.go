package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DeliverMessages seeds many messages fast: it writes each raw message as
// a file into mailbox's Maildir on the server, the way a local delivery
// agent does (Maildir spec: write in tmp/, rename into new/), then lets
// Dovecot index them with one doveadm fetch, and returns their UIDs in
// the order of raws (increasing: Dovecot assigns UIDs by the delivery
// time in the file names). It costs two doveadm runs for any number of messages
// where SaveMessages costs one per message; use it to seed thousands. The
// messages arrive unflagged (\Recent); their INTERNALDATE is date (the
// file's mtime, as Dovecot reads it for Maildir), or now if date is zero.
// The mailbox must exist (INBOX always does).
func (s *Server) DeliverMessages(tb testing.TB, user, mailbox string, date time.Time, raws ...[]byte) []uint32 {
	tb.Helper()
	out, _ := s.doveadm(tb, nil, "mailbox", "path", "-u", user, mailbox)
	dir := strings.TrimSpace(out)
	if dir == "" {
		tb.Fatalf("testenv: no Maildir path for %q (user %s)", mailbox, user)
	}
	if _, err := os.Stat(filepath.Join(dir, "tmp")); err != nil {
		// A new user's INBOX is created on first access; any other
		// missing mailbox makes this fail with Dovecot's message.
		s.MailboxStatus(tb, user, mailbox)
	}
	if date.IsZero() {
		date = time.Now()
	}
	names, err := s.writeMaildirFiles(dir, date, raws)
	if err != nil {
		tb.Fatalf("testenv: deliver into %q (user %s): %v", mailbox, user, err)
	}
	out, _ = s.doveadm(tb, nil, "-f", "tab", "fetch", "-u", user, "uid guid", "mailbox", mailbox, "all")
	byGUID := make(map[string]uint32, len(raws))
	for _, r := range parseTab(out) {
		if uid, err := strconv.ParseUint(r["uid"], 10, 32); err == nil {
			byGUID[r["guid"]] = uint32(uid)
		}
	}
	uids := make([]uint32, len(names))
	for i, n := range names {
		if uids[i] = byGUID[n]; uids[i] == 0 {
			tb.Fatalf("testenv: delivered file %s not indexed in %q (user %s)", n, mailbox, user)
		}
	}
	return uids
}

// writeMaildirFiles delivers raws into the Maildir at dir and returns the
// base names (Dovecot's GUIDs for Maildir messages). Names follow the
// Maildir convention "<secs>.M<usecs>P<pid>Q<n>.<host>".
func (s *Server) writeMaildirFiles(dir string, date time.Time, raws [][]byte) ([]string, error) {
	s.mu.Lock()
	first := s.deliverSeq
	s.deliverSeq += len(raws)
	now := time.Now().Truncate(time.Microsecond)
	if !now.After(s.deliverAt) {
		now = s.deliverAt.Add(time.Microsecond) // names keep increasing across calls
	}
	s.deliverAt = now.Add(time.Duration(len(raws)) * time.Microsecond)
	s.mu.Unlock()
	names := make([]string, len(raws))
	for i, raw := range raws {
		// Dovecot orders new files by the time in their names (seconds, then
		// microseconds), so each file gets its own microsecond.
		at := now.Add(time.Duration(i) * time.Microsecond)
		names[i] = fmt.Sprintf("%d.M%06dP%dQ%d.imapdir-testenv", at.Unix(), at.Nanosecond()/1000, os.Getpid(), first+i)
		if err := s.deliverFile(dir, names[i], raw, date); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// deliverFile writes one message into dir/tmp and renames it into
// dir/new, owned by the mail user.
func (s *Server) deliverFile(dir, name string, raw []byte, date time.Time) error {
	tmp := filepath.Join(dir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	if err := os.Chown(tmp, s.id.mailUID, s.id.mailGID); err != nil {
		return err
	}
	if err := os.Chtimes(tmp, date, date); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "new", name))
}
