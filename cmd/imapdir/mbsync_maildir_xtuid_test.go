package main

import (
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
