//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKill9LoopKeepsDeletions runs 20 syncs killed with SIGKILL while mail
// changes on both sides between them: each round the user deletes local
// messages, writes new ones and the server gets new mail and loses one
// message; the run is killed as it starts its mailbox (listing, planning)
// or once it has delivered some of the new server mail (copies under
// way). Then undisturbed runs must end with every message once on both
// sides, and every message deleted on either side gone from both: a
// deletion is never undone by a crash (nothing comes back re-downloaded or
// re-uploaded).
func TestKill9LoopKeepsDeletions(t *testing.T) {
	if testing.Short() {
		t.Skip("20 killed runs")
	}
	t.Parallel()
	a := newAccount(t, "connections = 1\n")
	inbox := filepath.Join(a.maildir, "INBOX")
	serial := 0
	deliver := func(n int) {
		raws := make([][]byte, n)
		for i := range raws {
			serial++
			raws[i] = append(message(fmt.Sprintf("server %d", serial)), bytes.Repeat([]byte("server body line\n"), 400)...)
		}
		a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Time{}, raws...)
	}
	deliver(200)
	a.run("sync").must(t, 0)

	deleted := map[string]bool{}
	kills := 0
	for round := range 20 {
		for _, id := range deleteLocal(t, inbox, 2, round) {
			deleted[id] = true
		}
		writeLocalMessagesNamed(t, inbox, 5, fmt.Sprintf("r%d", round))
		rows := a.srv.Fetch(t, a.user.Name, "INBOX", "uid hdr.message-id")
		if len(rows) > 0 {
			row := rows[(round*37)%len(rows)]
			uid, err := strconv.ParseUint(row["uid"], 10, 32)
			if err != nil {
				t.Fatalf("doveadm uid %q: %v", row["uid"], err)
			}
			a.srv.Expunge(t, a.user.Name, "INBOX", uint32(uid))
			deleted[strings.Trim(strings.TrimSpace(row["hdr.message-id"]), "<>")] = true
		}
		deliver(40)
		var killed bool
		if round%2 == 0 {
			killed = syncAndKill(t, a, "mailbox_start")
		} else {
			killed = syncAndKillAtFiles(t, a, inbox, 1+round%30)
		}
		if killed {
			kills++
		}
	}
	t.Logf("%d of 20 runs killed", kills)
	for i := 0; ; i++ {
		r := a.run("--json", "sync").must(t, 0)
		if done := jsonEvents(t, r.stdout)["done"]; len(done) == 1 && done[0]["changes"].(float64) == 0 {
			break
		}
		if i == 3 {
			t.Fatalf("still changing after %d undisturbed runs", i+1)
		}
	}
	local := localMessageIDs(t, inbox)
	server := serverMessageIDs(t, a)
	for name, ids := range map[string]map[string]int{"Maildir": local, "server": server} {
		for id, n := range ids {
			if deleted[strings.Trim(id, "<>")] {
				t.Errorf("%s holds %s, which was deleted", name, id)
			} else if n != 1 {
				t.Errorf("%s holds %s %d times", name, id, n)
			}
		}
	}
	for id := range local {
		if server[id] == 0 && !deleted[strings.Trim(id, "<>")] {
			t.Errorf("%s is in the Maildir but not on the server", id)
		}
	}
	for id := range server {
		if local[id] == 0 && !deleted[strings.Trim(id, "<>")] {
			t.Errorf("%s is on the server but not in the Maildir", id)
		}
	}
}

// deleteLocal removes n message files of a Maildir folder and returns
// their Message-IDs without angle brackets: the newest file (perhaps
// delivered by the run just killed, not yet recorded) and others chosen
// by round.
func deleteLocal(t *testing.T, folder string, n, round int) []string {
	t.Helper()
	var paths []string
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(folder, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			paths = append(paths, filepath.Join(folder, sub, e.Name()))
		}
	}
	sort.Slice(paths, func(i, j int) bool { return filepath.Base(paths[i]) < filepath.Base(paths[j]) })
	var ids []string
	for i := 0; i < n && len(paths) > 0; i++ {
		j := len(paths) - 1 // unique names begin with the delivery time
		if i > 0 {
			j = (round*31 + i*17) % len(paths)
		}
		p := paths[j]
		paths = append(paths[:j], paths[j+1:]...)
		id := fileMessageID(t, p)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// fileMessageID returns the Message-ID of a message file, without angle
// brackets.
func fileMessageID(t *testing.T, path string) string {
	t.Helper()
	for _, line := range strings.Split(readFile(t, path), "\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			return strings.Trim(strings.TrimSpace(v), "<>")
		}
	}
	t.Fatalf("%s has no Message-ID", path)
	return ""
}

// writeLocalMessagesNamed is writeLocalMessages with subjects (and
// Message-IDs and file names) made distinct by tag.
func writeLocalMessagesNamed(t *testing.T, folder string, n int, tag string) {
	t.Helper()
	for i := 0; i < n; i++ {
		body := append(message(fmt.Sprintf("local %s %d", tag, i)), bytes.Repeat([]byte("local body line\n"), 200)...)
		name := fmt.Sprintf("1700000001.M%dP1Q%s.test:2,S", i, tag)
		if err := os.WriteFile(filepath.Join(folder, "cur", name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// syncAndKillAtFiles starts a sync and sends SIGKILL once the Maildir
// folder holds more files than before by extra (a delivery batch made
// visible); it reports whether the kill happened before the run ended.
func syncAndKillAtFiles(t *testing.T, a *account, folder string, extra int) bool {
	t.Helper()
	count := func() int {
		n := 0
		for _, sub := range []string{"cur", "new"} {
			entries, _ := os.ReadDir(filepath.Join(folder, sub))
			n += len(entries)
		}
		return n
	}
	start := count()
	cmd := exec.Command(binary, "--config", a.config, "--json", "sync")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
		}
		close(ended)
	}()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	killed := false
	for !killed {
		select {
		case <-ended:
			_ = cmd.Wait()
			return false
		case <-deadline:
			t.Fatal("the sync neither ended nor delivered within 2 minutes")
		case <-tick.C:
			if count() >= start+extra {
				killed = cmd.Process.Kill() == nil
			}
		}
	}
	<-ended
	_ = cmd.Wait()
	return killed
}
