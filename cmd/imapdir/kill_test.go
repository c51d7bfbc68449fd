//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/mailmsg"
)

// TestKill9MidSyncNeitherLosesNorDuplicates is the promise users care about
// most: a sync killed with SIGKILL at any point (no chance to clean up),
// then run again, ends with every message exactly once on both sides. The
// first sync moves mail both ways — 3 000 messages down from the server and
// 300 the Maildir already held up to it — and is killed twice: as the first
// mailbox starts (intents being written, the first batch in flight), and at
// the next run's first progress report (copies under way).
func TestKill9MidSyncNeitherLosesNorDuplicates(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "connections = 1\n")
	const down, up = 3000, 300
	raws := make([][]byte, down)
	for i := range raws {
		raws[i] = append(message(fmt.Sprintf("server %d", i)), bytes.Repeat([]byte("server body line\n"), 800)...)
	}
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Time{}, raws...)
	writeLocalMessages(t, filepath.Join(a.maildir, "INBOX"), up)

	for _, event := range []string{"mailbox_start", "progress"} {
		killed := syncAndKill(t, a, event)
		t.Logf("run killed at its first %s event: %v; %d files so far", event, killed, len(maildirFiles(t, a.maildir)))
	}
	a.run("sync").must(t, 0)

	local := localMessageIDs(t, filepath.Join(a.maildir, "INBOX"))
	server := serverMessageIDs(t, a)
	for name, ids := range map[string]map[string]int{"Maildir": local, "server": server} {
		if len(ids) != down+up {
			t.Errorf("%s holds %d distinct messages, want %d", name, len(ids), down+up)
		}
		for id, n := range ids {
			if n != 1 {
				t.Errorf("%s holds %s %d times", name, id, n)
			}
		}
	}
	for id := range local {
		if server[id] == 0 {
			t.Errorf("%s is in the Maildir but not on the server", id)
		}
	}
	r := a.run("--json", "sync").must(t, 0)
	if done := jsonEvents(t, r.stdout)["done"]; len(done) != 1 || done[0]["changes"].(float64) != 0 {
		t.Errorf("the run after recovery is not a no-op: %v", done)
	}
}

// syncAndKill starts a sync and sends SIGKILL at its first JSON event of
// the given kind; it reports whether the kill happened before the run
// ended.
func syncAndKill(t *testing.T, a *account, event string) bool {
	t.Helper()
	cmd := exec.Command(binary, "--config", a.config, "--json", "sync")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		if !killed && strings.Contains(sc.Text(), `"event":"`+event+`"`) {
			killed = cmd.Process.Kill() == nil
		}
	}
	_ = cmd.Wait()
	return killed
}

// writeLocalMessages puts n messages into a Maildir folder as a mail
// reader or another tool would have left them.
func writeLocalMessages(t *testing.T, folder string, n int) {
	t.Helper()
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(folder, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		body := append(message(fmt.Sprintf("local %d", i)), bytes.Repeat([]byte("local body line\n"), 200)...)
		name := fmt.Sprintf("1700000000.M%dP1Q%d.test:2,S", i, i)
		if err := os.WriteFile(filepath.Join(folder, "cur", name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// localMessageIDs counts the Message-IDs of a Maildir folder's files.
func localMessageIDs(t *testing.T, folder string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(folder, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			f, err := os.Open(filepath.Join(folder, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			h, err := mailmsg.ReadHeader(bufio.NewReader(f))
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			ids[h.MessageID()]++
		}
	}
	return ids
}

// serverMessageIDs counts the Message-IDs of the server's INBOX, read with
// doveadm (not through imapdir).
func serverMessageIDs(t *testing.T, a *account) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, row := range a.srv.Fetch(t, a.user.Name, "INBOX", "uid hdr.message-id") {
		ids[mailmsg.NormalizeMessageID(row["hdr.message-id"])]++
	}
	return ids
}
