package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLocal writes a message into a Maildir folder's new/ under name.
func writeLocal(t *testing.T, maildir, folder, name string, msg []byte) {
	t.Helper()
	dir := filepath.Join(maildir, folder)
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "new", name), msg, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A mailbox's own table rules that mailbox alone: "Archive" only pulls and
// takes no large messages; INBOX syncs both ways and takes everything.
func TestPerMailboxSettingsAgainstDovecot(t *testing.T) {
	t.Parallel()
	a := newAccount(t, `
[accounts.work.mailbox."Archive"]
sync = "pull"
max_size = "1KB"
`)
	srv, user := a.srv, a.user.Name
	srv.CreateMailbox(t, user, "Archive")
	srv.SaveMessage(t, user, "Archive", message("archived"))
	srv.SaveMessage(t, user, "Archive", message("big archived "+strings.Repeat("x", 2000)))
	srv.SaveMessage(t, user, "INBOX", message("big inbox "+strings.Repeat("x", 2000)))
	a.run("sync").must(t, 0)
	writeLocal(t, a.maildir, "Archive", "1700000000.M1P1.test", message("written into the archive"))
	writeLocal(t, a.maildir, "INBOX", "1700000000.M2P1.test", message("written into the inbox"))
	r := a.run("sync").must(t, 0)
	files := maildirFiles(t, a.maildir)
	if n := countIn(files, "Archive"); n != 2 { // the small server message and the local one
		t.Errorf("Archive in the Maildir holds %d messages, want 2 (max_size 1KB leaves the big one out)\n%v", n, files)
	}
	if n := countIn(files, "INBOX"); n != 2 {
		t.Errorf("INBOX in the Maildir holds %d messages, want 2\n%v", n, files)
	}
	if st := srv.MailboxStatus(t, user, "Archive"); st["messages"] != "2" {
		t.Errorf("Archive on the server holds %s messages, want 2: sync = \"pull\" must not upload\n%s", st["messages"], r.stdout)
	}
	if st := srv.MailboxStatus(t, user, "INBOX"); st["messages"] != "2" {
		t.Errorf("INBOX on the server holds %s messages, want 2 (the local one uploaded)", st["messages"])
	}
	// --push overrides the mailbox's own sync: the local message goes up.
	a.run("sync", "--push").must(t, 0)
	if st := srv.MailboxStatus(t, user, "Archive"); st["messages"] != "3" {
		t.Errorf("after sync --push Archive on the server holds %s messages, want 3", st["messages"])
	}
}
