package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// README: "A run restricted to a direction or a kind leaves the
// checkpoints where they were, so a later full run still carries what it
// left alone." A message deleted in the Maildir, then a restricted run,
// then a full run: the deletion must reach the server. It never does —
// the sides stay different (the server keeps the message), and every
// later run reports nothing to do.
func TestLocalDeletionSurvivesRestrictedRun(t *testing.T) {
	for _, restricted := range [][]string{{}, {"--pull"}, {"--push", "--flags"}, {"--pull", "--new"}, {"--push", "--new"}} {
		t.Run(strings.Join(restricted, " "), func(t *testing.T) {
			a := newAccount(t, "")
			for i := 0; i < 5; i++ {
				a.srv.SaveMessage(t, a.user.Name, "INBOX", message(fmt.Sprintf("d %d", i)))
			}
			a.run("sync").must(t, 0)
			files, _ := filepath.Glob(filepath.Join(a.maildir, "INBOX", "new", "*"))
			if err := os.Remove(files[1]); err != nil {
				t.Fatal(err)
			}
			a.run(append([]string{"sync"}, restricted...)...).must(t, 0)
			r := a.run("sync").must(t, 0)
			a.run("sync").must(t, 0)
			if got := a.srv.MailboxStatus(t, a.user.Name, "INBOX")["messages"]; got != "4" {
				t.Errorf("server INBOX holds %s messages after the full run, want 4 (the Maildir holds %d)\n%s",
					got, countFiles(t, a.maildir)["INBOX"], r.stdout)
			}
		})
	}
}

// The same for a deletion on the server: after "sync --push --new" the
// next full run never removes the message from the Maildir.
func TestServerDeletionSurvivesRestrictedRun(t *testing.T) {
	for _, restricted := range [][]string{{}, {"--push", "--new"}, {"--push"}, {"--pull", "--flags"}} {
		t.Run(strings.Join(restricted, " "), func(t *testing.T) {
			a := newAccount(t, "")
			for i := 0; i < 5; i++ {
				a.srv.SaveMessage(t, a.user.Name, "INBOX", message(fmt.Sprintf("d %d", i)))
			}
			a.run("sync").must(t, 0)
			a.srv.Expunge(t, a.user.Name, "INBOX", 5)
			a.run(append([]string{"sync"}, restricted...)...).must(t, 0)
			r := a.run("sync").must(t, 0)
			if got := countFiles(t, a.maildir)["INBOX"]; got != 4 {
				t.Errorf("the Maildir holds %d messages after the full run, want 4 (the server holds %s)\n%s",
					got, a.srv.MailboxStatus(t, a.user.Name, "INBOX")["messages"], r.stdout)
			}
		})
	}
}
