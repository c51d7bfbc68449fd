package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A user switching from mbsync who forgets "imapdir import mbsync" (or
// whose import refused) and runs "imapdir sync" over mbsync's Maildir,
// layout set right, gets every message twice on both sides. A first sync
// pairs the files of an existing Maildir with the server's messages by
// Message-ID and size (it does so for a Maildir of plain copies), but the
// X-TUID header mbsync adds to every file it downloads changes the size:
// nothing is paired, every message is pulled again and every file is
// uploaded again (X-TUID included). README says imapdir ignores X-TUID.
//
// Fixed: a Maildir file's X-TUID does not count in its size (the Maildir
// store leaves it out) and is never uploaded.
func TestSyncOverMbsyncMaildirPairsDespiteXTUID(t *testing.T) {
	a, mail := mbsyncSetup(t)
	a.writeConfig(strings.Replace(readFile(t, a.config), a.maildir, mail, 1) + "layout = \"fs-mutf7\"\n")
	r := a.run("sync")
	dump(t, r)
	local := countFiles(t, mail)
	for _, box := range []string{"INBOX", "Entwürfe", "R&D"} {
		if got := a.srv.MailboxStatus(t, a.user.Name, box)["messages"]; got != "5" {
			t.Errorf("server %s holds %s messages, want 5", box, got)
		}
	}
	for dir, n := range local {
		if n != 5 {
			t.Errorf("Maildir %s holds %d files, want 5", dir, n)
		}
	}

	// A file written with mbsync's X-TUID and not on the server yet is
	// uploaded without that field.
	file := "Message-ID: <new@example.com>\nFrom: a@example.com\nSubject: new\nX-TUID: 6mH4tYmqfXyE\n\nbody\n"
	if err := os.WriteFile(filepath.Join(mail, "INBOX", "cur", "1700000000.9_9.host,U=99:2,S"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	r = a.run("sync")
	if r.code != 0 {
		dump(t, r)
	}
	msgs := a.srv.Fetch(t, a.user.Name, "INBOX", "uid")
	if len(msgs) != 6 {
		t.Fatalf("server INBOX holds %d messages after the upload, want 6", len(msgs))
	}
	uid, _ := strconv.ParseUint(msgs[5]["uid"], 10, 32)
	if text := string(a.srv.FetchText(t, a.user.Name, "INBOX", uint32(uid))); !strings.Contains(text, "<new@example.com>") || strings.Contains(text, "X-TUID") {
		t.Errorf("uploaded message:\n%s\nwant the new file without X-TUID", text)
	}
}

// "imapdir import mbsync" over mbsync's Maildir with the layout left at
// its default ("fs" rather than "fs-mutf7") refuses with a hint that sends
// the user the wrong way ("is --from the Maildir of this account?") — it is,
// and the server has "Entwürfe", the very name of the folder
// "Entw&APw-rfe" in modified UTF-7. The message should point at layout.
func TestImportMbsyncWrongLayoutHintNamesLayout(t *testing.T) {
	a, mail := mbsyncSetup(t)
	a.writeConfig(strings.Replace(readFile(t, a.config), a.maildir, mail, 1))
	r := a.run("import", "mbsync", "work", "--from", mail)
	if r.code == 0 {
		t.Fatalf("import succeeded with the wrong layout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `layout = "fs-mutf7"`) || !strings.Contains(r.stderr, `"Entwürfe"`) {
		t.Errorf("the refusal does not name the fix (layout = \"fs-mutf7\") and the server's mailbox:\n%s", r.stderr)
	}
}
