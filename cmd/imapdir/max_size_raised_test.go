package main

import (
	"strings"
	"testing"
	"time"
)

// A message skipped for max_size must be pulled once max_size allows it:
// raising (or removing) max_size and syncing again must bring it, without
// --full. It stays missing from the Maildir (only "sync --full" brings it),
// and nothing says so.
func TestRaisingMaxSizePullsSkippedMessage(t *testing.T) {
	a := newAccount(t, `max_size = "1KB"`+"\n")
	big := []byte("From: a@example.com\nMessage-ID: <big@x>\nSubject: big\n\n" + strings.Repeat("x", 5000) + "\n")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("small"))
	a.srv.SaveMessage(t, a.user.Name, "INBOX", big)
	a.run("sync").must(t, 0)
	if n := countFiles(t, a.maildir)["INBOX"]; n != 1 {
		t.Fatalf("first sync: %d files, want 1", n)
	}
	a.writeConfig(strings.Replace(readFile(t, a.config), `max_size = "1KB"`, `max_size = "1MB"`, 1))
	r := a.run("sync")
	if n := countFiles(t, a.maildir)["INBOX"]; n != 2 {
		t.Errorf("after raising max_size: %d files, want 2\n%s%s", n, r.stdout, r.stderr)
	}
	if t.Failed() {
		r = a.run("sync", "--full")
		t.Logf("with --full: %d files\n%s", countFiles(t, a.maildir)["INBOX"], r.stdout)
	}
}

// A run restricted to pushing under the raised limit does not pull, and
// must not make the next full run forget the skipped message.
func TestRaisedMaxSizeSurvivesPushOnlyRun(t *testing.T) {
	a := newAccount(t, `max_size = "1KB"`+"\n")
	big := []byte("From: a@example.com\nMessage-ID: <big@x>\nSubject: big\n\n" + strings.Repeat("x", 5000) + "\n")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("small"))
	a.srv.SaveMessage(t, a.user.Name, "INBOX", big)
	a.run("sync").must(t, 0)
	a.writeConfig(strings.Replace(readFile(t, a.config), `max_size = "1KB"`, `max_size = "1MB"`, 1))
	a.run("sync", "--push").must(t, 0)
	if n := countFiles(t, a.maildir)["INBOX"]; n != 1 {
		t.Fatalf("after sync --push: %d files, want 1 (nothing pulled)", n)
	}
	r := a.run("sync").must(t, 0)
	if n := countFiles(t, a.maildir)["INBOX"]; n != 2 {
		t.Errorf("after the full run: %d files, want 2\n%s", n, r.stdout)
	}
	a.run("sync").must(t, 0)
	if n := countFiles(t, a.maildir)["INBOX"]; n != 2 {
		t.Errorf("after another run: %d files, want 2", n)
	}
}

// The same for max_age: a message older than the limit is pulled once the
// limit is raised past its date.
func TestRaisingMaxAgePullsSkippedMessage(t *testing.T) {
	a := newAccount(t, `max_age = "30d"`+"\n")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("recent"))
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Now().AddDate(0, 0, -100),
		[]byte("From: a@example.com\r\nMessage-ID: <old@x>\r\nSubject: old\r\n\r\nold\r\n"))
	a.run("sync").must(t, 0)
	if n := countFiles(t, a.maildir)["INBOX"]; n != 1 {
		t.Fatalf("first sync: %d files, want 1", n)
	}
	a.writeConfig(strings.Replace(readFile(t, a.config), `max_age = "30d"`, `max_age = "365d"`, 1))
	r := a.run("sync").must(t, 0)
	if n := countFiles(t, a.maildir)["INBOX"]; n != 2 {
		t.Errorf("after raising max_age: %d files, want 2\n%s", n, r.stdout)
	}
}
