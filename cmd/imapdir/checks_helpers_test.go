package main

// Helpers for the tests that check a Maildir and a server after whole
// command runs: file counts, tree hashes, dumps, an mbsync setup.

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func dump(t *testing.T, r result) {
	t.Helper()
	t.Logf("== %s => exit %d\n-- stdout:\n%s\n-- stderr:\n%s", r.description, r.code, r.stdout, r.stderr)
}

func countFiles(t *testing.T, dir string) map[string]int {
	m := map[string]int{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		d := filepath.Dir(p)
		b := filepath.Base(d)
		if b == "cur" || b == "new" {
			rel, _ := filepath.Rel(dir, filepath.Dir(d))
			m[rel]++
		}
		return nil
	})
	return m
}

func treeHash(t *testing.T, dir string) string {
	var lines []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(filepath.Base(p), ".imapdir") {
			return nil
		}
		if d.IsDir() {
			lines = append(lines, rel+"/")
			return nil
		}
		b, _ := os.ReadFile(p)
		lines = append(lines, fmt.Sprintf("%s %x", rel, sha256.Sum256(b)))
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func mbsyncSetup(t *testing.T) (*account, string) {
	a := newAccount(t, "")
	for fi, box := range []string{"INBOX", "Entwürfe", "R&D"} {
		if box != "INBOX" {
			a.srv.CreateMailbox(t, a.user.Name, box)
		}
		var raws [][]byte
		for i := 0; i < 5; i++ {
			raws = append(raws, []byte(fmt.Sprintf("Message-ID: <m%d-%d@example.com>\r\nFrom: a@example.com\r\nSubject: m %d %d\r\n\r\nbody\r\n", fi, i, fi, i)))
		}
		a.srv.DeliverMessages(t, a.user.Name, box, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), raws...)
	}
	mail := filepath.Join(a.dir, "Mail")
	os.MkdirAll(mail, 0o700)
	rc := filepath.Join(a.dir, "mbsyncrc")
	os.WriteFile(rc, []byte(fmt.Sprintf(`IMAPAccount test
Host 127.0.0.1
Port %d
User %s
Pass %s
SSLType None
AuthMechs PLAIN

IMAPStore far
Account test

MaildirStore near
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel test
Far :far:
Near :near:
Patterns *
Create Near
Sync All
Expunge Both
SyncState *
`, a.srv.IMAPPort(), a.user.Name, a.user.Password, mail, mail)), 0o600)
	cmd := exec.Command("mbsync", "-c", rc, "-a")
	cmd.Env = append(os.Environ(), "HOME="+a.dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mbsync: %v\n%s", err, out)
	}
	return a, mail
}
