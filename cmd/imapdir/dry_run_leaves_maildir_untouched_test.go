package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunLeavesMaildirUntouched: `sync --dry-run` changes nothing in
// the Maildir tree (names, sizes, times of every file and directory, the
// state database included), whatever state the tree is in: no Maildir
// yet, a message file copied under its name into another folder (which a
// real scan renames), a folder emptied and its files put back after a
// sync, a folder renamed behind imapdir's back.
func TestDryRunLeavesMaildirUntouched(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) *account {
		a := newAccount(t, "")
		srv, user := a.srv, a.user.Name
		srv.CreateMailbox(t, user, "Archive")
		srv.SaveMessage(t, user, "INBOX", message("one"))
		srv.SaveMessage(t, user, "INBOX", message("two"))
		srv.SaveMessage(t, user, "Archive", message("old"))
		return a
	}
	inboxFile := func(t *testing.T, a *account) string {
		for _, f := range maildirFiles(t, a.maildir) {
			if strings.HasPrefix(f, "INBOX/cur/") || strings.HasPrefix(f, "INBOX/new/") {
				return f
			}
		}
		t.Fatal("no INBOX file")
		return ""
	}
	states := map[string]func(t *testing.T, a *account){
		"no Maildir yet": func(t *testing.T, a *account) {},
		"copied file": func(t *testing.T, a *account) {
			a.run("sync").must(t, 0)
			src := inboxFile(t, a)
			raw, err := os.ReadFile(filepath.Join(a.maildir, src))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(a.maildir, "Archive", "cur", filepath.Base(src)), raw, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"emptied folder returning": func(t *testing.T, a *account) {
			a.run("sync").must(t, 0)
			away := t.TempDir()
			files := maildirFiles(t, a.maildir)
			for _, f := range files {
				if strings.HasPrefix(f, "Archive/") {
					if err := os.Rename(filepath.Join(a.maildir, f), filepath.Join(away, filepath.Base(f))); err != nil {
						t.Fatal(err)
					}
				}
			}
			a.run("sync")
			for _, f := range files {
				if strings.HasPrefix(f, "Archive/") {
					if err := os.Rename(filepath.Join(away, filepath.Base(f)), filepath.Join(a.maildir, f)); err != nil {
						t.Fatal(err)
					}
				}
			}
		},
		"renamed folder": func(t *testing.T, a *account) {
			a.run("sync").must(t, 0)
			if err := os.Rename(filepath.Join(a.maildir, "Archive"), filepath.Join(a.maildir, "Old")); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, prepare := range states {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := setup(t)
			prepare(t, a)
			before := ""
			if _, err := os.Lstat(a.maildir); err == nil {
				before = treeState(t, a.maildir)
			}
			dry := a.run("--dry-run", "sync").must(t, 0)
			after := ""
			if _, err := os.Lstat(a.maildir); err == nil {
				after = treeState(t, a.maildir)
			}
			if after != before {
				t.Errorf("the dry run changed the Maildir tree:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if real := a.run("sync"); untouchedRows(real.stdout) != untouchedRows(dry.stdout) {
				t.Errorf("the dry run's table differs from the real run's:\n%s\n--- real:\n%s", dry.stdout, real.stdout)
			}
		})
	}
}

// untouchedRows keeps the table rows of the test's mailboxes.
func untouchedRows(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "INBOX" || f[0] == "Archive" || f[0] == "Old" || f[0] == "total") {
			out = append(out, strings.Join(f, " "))
		}
	}
	return strings.Join(out, "\n")
}
