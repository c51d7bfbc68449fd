package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// maildirFiles lists the message files under root (relative paths, sorted),
// leaving out imapdir's own files.
func maildirFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dir := filepath.Base(filepath.Dir(path))
		if dir == "cur" || dir == "new" {
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// countIn counts files of mailbox (fs layout) in files.
func countIn(files []string, mailbox string) int {
	n := 0
	for _, f := range files {
		if strings.HasPrefix(f, mailbox+"/cur/") || strings.HasPrefix(f, mailbox+"/new/") {
			n++
		}
	}
	return n
}

// treeState describes every file and directory under root (name, size,
// modification time), but the lock file, whose holder changes each run.
func treeState(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() == ".imapdir.lock" {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(&b, "%s %v %d %s\n", rel, info.Mode(), info.Size(), info.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// jsonEvents parses --json output into its events by kind.
func jsonEvents(t *testing.T, out string) map[string][]map[string]any {
	t.Helper()
	events := map[string][]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("--json line %q: %v", sc.Text(), err)
		}
		kind, _ := ev["event"].(string)
		events[kind] = append(events[kind], ev)
	}
	return events
}

func TestSyncEndToEnd(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	srv, user := a.srv, a.user.Name
	srv.CreateMailbox(t, user, "Archive/2024")
	for _, s := range []string{"one", "two", "three"} {
		srv.SaveMessage(t, user, "INBOX", message(s))
	}
	srv.SaveMessage(t, user, "Archive/2024", message("old one"))
	srv.SaveMessage(t, user, "Archive/2024", message("old two"))
	srv.AddFlags(t, user, "INBOX", 1, `\Seen`)

	r := a.run("sync").must(t, 0)
	files := maildirFiles(t, a.maildir)
	if countIn(files, "INBOX") != 3 || countIn(files, "Archive/2024") != 2 {
		t.Fatalf("after the first sync the Maildir holds %v\n%s%s", files, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "pulled 3 new") {
		t.Errorf("first sync output:\n%s", r.stdout)
	}
	db := filepath.Join(a.maildir, ".imapdir.sqlite3")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("state database: %v", err)
	}

	r = a.run("--json", "sync").must(t, 0)
	done := jsonEvents(t, r.stdout)["done"]
	if len(done) != 1 || done[0]["changes"].(float64) != 0 {
		t.Errorf("second sync: want a done event with 0 changes, got %v\n%s", done, r.stdout)
	}

	// Changes on both sides, then a dry run: nothing may move.
	srv.AddFlags(t, user, "INBOX", 2, `\Flagged`)
	srv.SaveMessage(t, user, "INBOX", message("four"))
	markLocally(t, filepath.Join(a.maildir, "INBOX"), "three", "F") // flagged in the mail reader
	local := filepath.Join(a.maildir, "INBOX", "new", "1700000000.M1P1.test")
	if err := os.WriteFile(local, message("written locally"), 0o600); err != nil {
		t.Fatal(err)
	}
	beforeFiles, beforeDB, beforeTree := maildirFiles(t, a.maildir), fileHash(t, db), treeState(t, a.maildir)
	r = a.run("--dry-run", "sync").must(t, 0)
	if !strings.Contains(r.stdout, "would") {
		t.Errorf("dry run does not say what would be done:\n%s", r.stdout)
	}
	if got := maildirFiles(t, a.maildir); strings.Join(got, "\n") != strings.Join(beforeFiles, "\n") {
		t.Errorf("dry run changed the Maildir:\nbefore %v\nafter  %v", beforeFiles, got)
	}
	if fileHash(t, db) != beforeDB {
		t.Errorf("dry run changed the state database")
	}
	if after := treeState(t, a.maildir); after != beforeTree {
		t.Errorf("dry run changed the Maildir tree:\nbefore:\n%s\nafter:\n%s", beforeTree, after)
	}
	if st := srv.MailboxStatus(t, user, "INBOX"); st["messages"] != "4" {
		t.Errorf("dry run changed the server: INBOX has %s messages, want 4", st["messages"])
	}
	if flags := serverFlags(t, a, "INBOX", "3"); flags != "" {
		t.Errorf("dry run changed flags on the server: UID 3 has %q", flags)
	}

	// The real run carries both sides' changes.
	r = a.run("--json", "sync").must(t, 0)
	sum := jsonEvents(t, r.stdout)["summary"]
	if len(sum) != 1 {
		t.Fatalf("want one summary, got %v", sum)
	}
	pull, push := sum[0]["pull"].(map[string]any), sum[0]["push"].(map[string]any)
	if pull["new"].(float64) != 1 || pull["changed"].(float64) != 1 || push["new"].(float64) != 1 || push["changed"].(float64) != 1 {
		t.Errorf("summary after changes on both sides: pull %v push %v", pull, push)
	}
	if st := srv.MailboxStatus(t, user, "INBOX"); st["messages"] != "5" {
		t.Errorf("the local message did not reach the server: INBOX has %s messages", st["messages"])
	}
	if flags := serverFlags(t, a, "INBOX", "3"); flags != `\Flagged` {
		t.Errorf("the local flag did not reach the server: UID 3 has %q", flags)
	}

	r = a.run("status", "work").must(t, 0)
	for _, want := range []string{"INBOX", "Archive/2024", "lock:      free", "pending:   0 intents"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestSyncOneMailboxAndUnknownAccount(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.CreateMailbox(t, a.user.Name, "Sent")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("in"))
	a.srv.SaveMessage(t, a.user.Name, "Sent", message("out"))
	a.run("sync", "work:Sent").must(t, 0)
	files := maildirFiles(t, a.maildir)
	if countIn(files, "Sent") != 1 || countIn(files, "INBOX") != 0 {
		t.Errorf("sync work:Sent gave %v", files)
	}
	r := a.run("sync", "home").must(t, 2)
	r.noStackTrace(t)
}

func TestDemo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	args := []string{"demo", "--dir", dir}
	if testing.Short() {
		args = append(args, "--messages", "40")
	}
	r := runBinary(t, args...).must(t, 0)
	for _, want := range []string{"First sync", "Second sync", "pulled", "notmuch --config=", "mu init"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	files := maildirFiles(t, filepath.Join(dir, "Maildir"))
	if countIn(files, "INBOX") == 0 || countIn(files, "Archive/2024") == 0 {
		t.Errorf("demo Maildir holds %d files, INBOX %d", len(files), countIn(files, "INBOX"))
	}
	// A second run starts afresh in the same directory.
	runBinary(t, args...).must(t, 0)
	// A directory the demo did not make is refused.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "precious"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	runBinary(t, "demo", "--dir", other).must(t, 2)
}

// markLocally adds Maildir info flags (e.g. "F") to the message of folder
// whose text holds subject, moving it to cur/ as a mail reader does.
func markLocally(t *testing.T, folder, subject, flags string) {
	t.Helper()
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(folder, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			path := filepath.Join(folder, sub, e.Name())
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "Subject: "+subject+"\n") {
				continue
			}
			name := e.Name()
			if !strings.Contains(name, ":2,") {
				name += ":2,"
			}
			if err := os.Rename(path, filepath.Join(folder, "cur", name+flags)); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no message %q in %s", subject, folder)
}

// serverFlags returns the flags of message uid as Dovecot has them, without
// \Recent. (testenv's MessageFlags fails on a message without flags.)
func serverFlags(t *testing.T, a *account, mailbox, uid string) string {
	t.Helper()
	for _, m := range a.srv.Fetch(t, a.user.Name, mailbox, "uid flags") {
		if m["uid"] == uid {
			return strings.TrimSpace(strings.ReplaceAll(m["flags"], `\Recent`, ""))
		}
	}
	t.Fatalf("no message with UID %s in %s", uid, mailbox)
	return ""
}

// TestDryRunOnFreshAccountSaysWhatARealRunWouldDo: the first --dry-run of a
// new account must report the mailboxes and messages a real first run would
// pull, not "0 mailboxes, nothing would change"; and it must change nothing.
func TestDryRunOnFreshAccountSaysWhatARealRunWouldDo(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.CreateMailbox(t, a.user.Name, "Archive")
	a.srv.SaveMessages(t, a.user.Name, "INBOX", message("one"), message("two"))
	a.srv.SaveMessage(t, a.user.Name, "Archive", message("three"))

	r := a.run("--json", "--dry-run", "sync").must(t, 0)
	done := jsonEvents(t, r.stdout)["done"]
	if len(done) != 1 || done[0]["mailboxes"].(float64) != 2 || done[0]["changes"].(float64) != 3 {
		t.Errorf("dry run of a fresh account reports %v, want 2 mailboxes and 3 changes\n%s", done, r.stdout)
	}
	if _, err := os.Stat(a.maildir); err == nil {
		t.Errorf("dry run created %s", a.maildir)
	}
}
