package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFileCompletedInPlaceStaysOnServer: a file in cur/ that a
// writer completes after a sync read it (a non-atomic writer, or an editor
// rewriting a message) must not leave the shorter copy on the server for good,
// and the run that notices the change must not leave the message absent on
// the server (a second device syncing then would delete its copy).
func TestFileCompletedInPlaceStaysOnServer(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.SaveMessages(t, a.user.Name, "INBOX", message("other"))
	a.run("sync").must(t, 0)
	cur := filepath.Join(a.maildir, "INBOX", "cur")
	if err := os.MkdirAll(cur, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cur, "1900000001.slow.host:2,S")
	head := "From: a@example.com\nMessage-ID: <slow@example.com>\nSubject: slow\n\n" + strings.Repeat("first half\n", 500)
	if err := os.WriteFile(path, []byte(head), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour) // a folder not touched for a while
	for _, d := range []string{cur, filepath.Dir(cur), filepath.Join(filepath.Dir(cur), "new")} {
		os.MkdirAll(d, 0o700)
		os.Chtimes(d, old, old)
	}
	a.run("sync").must(t, 0) // uploads the first half
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("second half\n", 500))
	f.Close()
	want, _ := os.ReadFile(path)

	r := a.run("sync").must(t, 0)
	if got := serverBody(t, a, "<slow@example.com>"); got == nil {
		t.Errorf("the sync after the edit removed the message from the server (Maildir holds it):\n%s", r.stderr+r.stdout)
	} else if !bytes.Equal(norm(got), norm(want)) {
		t.Errorf("after a sync the server holds %d bytes of the message, the Maildir %d", len(got), len(want))
	}
	// A flag change in the folder makes imapdir notice; that run must not
	// leave the message missing on the server.
	markLocally(t, filepath.Join(a.maildir, "INBOX"), "other", "F")
	a.run("sync").must(t, 0)
	if serverBody(t, a, "<slow@example.com>") == nil {
		t.Errorf("the next sync (after an unrelated flag change) removed the message from the server; the Maildir holds it")
	}
}

func serverBody(t *testing.T, a *account, id string) []byte {
	t.Helper()
	for _, row := range a.srv.Fetch(t, a.user.Name, "INBOX", "uid hdr.message-id") {
		if strings.Contains(row["hdr.message-id"], id) {
			var uid uint32
			for _, c := range row["uid"] {
				uid = uid*10 + uint32(c-'0')
			}
			return a.srv.FetchText(t, a.user.Name, "INBOX", uid)
		}
	}
	return nil
}

func norm(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }
