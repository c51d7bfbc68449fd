package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

// map = { "Sent Items" = "Sent" }: the server's "Sent Items" is the local
// "Sent", both ways, and no local "Sent Items" appears.
func TestMapPairsOtherNames(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "map = { \"Sent Items\" = \"Sent\" }\n")
	srv, user := a.srv, a.user.Name
	srv.CreateMailbox(t, user, "Sent Items")
	srv.CreateMailbox(t, user, "Sent Items/2024")
	srv.SaveMessage(t, user, "Sent Items", message("sent one"))
	srv.SaveMessage(t, user, "Sent Items/2024", message("sent old"))
	r := a.run("sync").must(t, 0)
	files := maildirFiles(t, a.maildir)
	if countIn(files, "Sent") != 1 || countIn(files, "Sent/2024") != 1 || countIn(files, "Sent Items") != 0 {
		t.Fatalf("the Maildir holds %v\n%s", files, r.stdout)
	}
	writeLocal(t, a.maildir, "Sent", "1700000000.M4P1.test", message("sent from the laptop"))
	writeLocal(t, a.maildir, "Sent/2025", "1700000000.M6P1.test", message("filed locally"))
	a.run("sync").must(t, 0)
	if st := srv.MailboxStatus(t, user, "Sent Items"); st["messages"] != "2" {
		t.Errorf("the server's Sent Items holds %s messages, want 2", st["messages"])
	}
	if st := srv.MailboxStatus(t, user, "Sent Items/2025"); st["messages"] != "1" { // created under the mapped parent
		t.Errorf("the server's Sent Items/2025 holds %s messages, want 1", st["messages"])
	}
	for _, mb := range srv.ListMailboxes(t, user) {
		if mb == "Sent" {
			t.Errorf("a server mailbox Sent was created: %v", srv.ListMailboxes(t, user))
		}
	}
	// A local folder under the server's own name would sync with the same
	// server mailbox a second time: refused.
	writeLocal(t, a.maildir, "Sent Items", "1700000000.M7P1.test", message("confusing"))
	r = a.run("sync").must(t, 1)
	if !strings.Contains(r.stderr, `the local folder "Sent Items" has the server name`) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if st := srv.MailboxStatus(t, user, "Sent Items"); st["messages"] != "2" {
		t.Errorf("the server's Sent Items holds %s messages, want 2", st["messages"])
	}
}

// The server's \Sent mailbox, whatever its name, pairs with the local
// Sent; with special_use = false it keeps its own name.
func TestSpecialUsePairsSent(t *testing.T) {
	t.Parallel()
	srv, err := testenv.Start(context.Background(), testenv.Options{ExtraConfig: `
namespace inbox {
  mailbox "Sent Items" {
    special_use = \Sent
  }
}
`})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Sent Items")
	srv.SaveMessage(t, u.Name, "Sent Items", message("sent one"))
	dir := t.TempDir()
	cfg, maildir := writeAccount(t, dir, srv, u, "")
	r := runBinary(t, "--config", cfg, "sync").must(t, 0)
	files := maildirFiles(t, maildir)
	if countIn(files, "Sent") != 1 || countIn(files, "Sent Items") != 0 {
		t.Fatalf("the Maildir holds %v\n%s", files, r.stdout)
	}
	writeLocal(t, maildir, "Sent", "1700000000.M5P1.test", message("sent from the laptop"))
	runBinary(t, "--config", cfg, "sync").must(t, 0)
	if st := srv.MailboxStatus(t, u.Name, "Sent Items"); st["messages"] != "2" {
		t.Errorf("the server's Sent Items holds %s messages, want 2", st["messages"])
	}

	// Off: the same server's mailbox keeps its name in a fresh Maildir.
	dir2 := t.TempDir()
	cfg2, maildir2 := writeAccount(t, dir2, srv, u, "special_use = false\n")
	runBinary(t, "--config", cfg2, "sync").must(t, 0)
	if files := maildirFiles(t, maildir2); countIn(files, "Sent Items") != 2 || countIn(files, "Sent") != 0 {
		t.Errorf("with special_use = false the Maildir holds %v", files)
	}
	// A Maildir that has synchronized "Sent Items" under its own name
	// keeps doing so when special_use is turned on: no second copy.
	text := readFile(t, cfg2)
	os.WriteFile(cfg2, []byte(text[:len(text)-len("special_use = false\n")]), 0o600)
	r = runBinary(t, "--config", cfg2, "sync").must(t, 0)
	if files := maildirFiles(t, maildir2); countIn(files, "Sent Items") != 2 || countIn(files, "Sent") != 0 {
		t.Errorf("after turning special_use on, the Maildir holds %v\n%s", files, r.stdout)
	}
}
