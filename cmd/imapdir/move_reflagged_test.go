package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A message moved in the Maildir (a file renamed into another folder) whose
// flags changed on the server since the last sync must still be moved on
// the server (UID MOVE, keywords kept, README "Reading the mail"), not
// uploaded again into the target as a new copy with the old one deleted
// (or, past the deletion guard, left behind as a duplicate).
func TestLocalMoveOfMessageReflaggedOnServerIsAMove(t *testing.T) {
	for _, tc := range []struct {
		n       int
		newName bool // written anew under a new unique name (mutt, mu4e)
	}{{5, false}, {100, false}, {5, true}, {100, true}} {
		n := tc.n
		t.Run(fmt.Sprint(n, " moved, new name ", tc.newName), func(t *testing.T) {
			a := newAccount(t, "")
			a.srv.CreateMailbox(t, a.user.Name, "Archive")
			var raws [][]byte
			for i := 0; i < n+20; i++ {
				raws = append(raws, message(fmt.Sprintf("r %d", i)))
			}
			a.srv.SaveMessages(t, a.user.Name, "INBOX", raws...)
			a.run("sync").must(t, 0)
			a.srv.Doveadm(t, "flags", "add", "-u", a.user.Name, `$Work`, "mailbox", "INBOX", "all")
			files, _ := filepath.Glob(filepath.Join(a.maildir, "INBOX", "*", "*"))
			for i, f := range files[:n] {
				base := filepath.Base(f)
				if j := strings.Index(base, ":2,"); j >= 0 {
					base = base[:j]
				}
				if tc.newName {
					base = fmt.Sprintf("1733320000.M%dP1.mutt-host", i)
				}
				if err := os.Rename(f, filepath.Join(a.maildir, "Archive", "cur", base+":2,S")); err != nil {
					t.Fatal(err)
				}
			}
			r := a.run("-v", "sync")
			if r.code != 0 || strings.Contains(r.stdout, "pushed "+fmt.Sprint(n)+" new") {
				t.Errorf("the moves were not carried out as moves (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
			}
			if got := a.srv.MailboxStatus(t, a.user.Name, "INBOX")["messages"]; got != "20" {
				t.Errorf("server INBOX holds %s messages, want 20", got)
			}
			for _, f := range a.srv.Fetch(t, a.user.Name, "Archive", "uid flags") {
				if !strings.Contains(f["flags"], "$Work") {
					t.Errorf("Archive UID %s lost the server keyword $Work: flags %q", f["uid"], f["flags"])
					break
				}
			}
			// The moved files carry the server's keyword too (the flag merge
			// that travels with the move): dovecot-keywords names it and every
			// moved file has a keyword letter.
			kw, _ := os.ReadFile(filepath.Join(a.maildir, "Archive", "dovecot-keywords"))
			if !strings.Contains(string(kw), "$Work") {
				t.Errorf("local Archive's dovecot-keywords does not name $Work: %q", kw)
			}
			moved, _ := filepath.Glob(filepath.Join(a.maildir, "Archive", "cur", "*"))
			if len(moved) != n {
				t.Errorf("local Archive holds %d files, want %d", len(moved), n)
			}
			for _, f := range moved {
				_, info, _ := strings.Cut(filepath.Base(f), ":2,")
				if strings.IndexFunc(info, func(r rune) bool { return r >= 'a' && r <= 'z' }) < 0 {
					t.Errorf("moved file %s has no keyword letter", filepath.Base(f))
					break
				}
			}
		})
	}
}
