package cli

import (
	"bufio"
	"encoding/json"
	"github.com/imapdir/imapdir/internal/golden"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

func TestSyncSummaryGolden(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 12, store.Seen)
	w.seed("Archive/2024", 5)
	w.seed("Junk", 3)
	code, out, errOut := w.run("sync")
	if code != ExitOK {
		t.Fatalf("first sync: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out2, errOut2 := w.run("sync")
	if code != ExitOK {
		t.Fatalf("second sync: exit %d\n%s%s", code, out2, errOut2)
	}
	// Mailboxes finish in any order; their one-line results are checked
	// here, the summaries (in a fixed order) against the golden file.
	lines1, sum1 := splitResults(out + errOut)
	lines2, sum2 := splitResults(out2 + errOut2)
	if want := "work/Archive/2024: pulled 5 new|work/INBOX: pulled 12 new"; lines1 != want {
		t.Errorf("first sync's mailbox lines %q, want %q", lines1, want)
	}
	if want := ""; lines2 != want { // the default shows only the mailboxes where something happened
		t.Errorf("second sync's mailbox lines %q, want %q", lines2, want)
	}
	golden.Check(t, "sync_summary.golden", "$ imapdir sync\n"+sum1+"$ imapdir sync\n"+sum2)
	got := messageCounts(w.near)
	if got["INBOX"] != 12 || got["Archive/2024"] != 5 || got["Junk"] != 0 {
		t.Errorf("near side after sync holds %v; want INBOX 12, Archive/2024 5, no Junk (excluded)", got)
	}
	if _, err := os.Stat(statedb.DefaultPath(filepath.Join(w.dir, "Maildir"))); err != nil {
		t.Errorf("state database not at <maildir>/%s: %v", statedb.FileName, err)
	}
}

func TestSyncDryRunChangesNothing(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 4)
	code, out, errOut := w.run("--dry-run", "sync")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "would") {
		t.Errorf("dry run output does not say what would be done:\n%s", out)
	}
	if got := messageCounts(w.near); got["INBOX"] != 0 {
		t.Errorf("dry run copied messages: near holds %v", got)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "Maildir")); err == nil {
		t.Errorf("dry run created the Maildir directory")
	}
}

func TestSyncJSON(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 3)
	code, out, errOut := w.run("--json", "sync")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	events := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		events[ev["event"].(string)]++
		if ev["event"] == "summary" {
			pull := ev["pull"].(map[string]any)
			if pull["new"].(float64) != 3 {
				t.Errorf("summary pulled %v new, want 3: %s", pull["new"], sc.Text())
			}
		}
	}
	if events["summary"] != 1 || events["done"] != 1 {
		t.Errorf("events %v: want one summary and one done", events)
	}
}

func TestSyncMailboxSelection(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 2)
	w.seed("Sent", 2)
	code, out, errOut := w.run("sync", "work:Sent")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got := messageCounts(w.near)
	if got["Sent"] != 2 || got["INBOX"] != 0 {
		t.Errorf("work:Sent synced more or less than Sent: near holds %v", got)
	}
	code, out, errOut = w.run("sync", "work:NoSuchBox")
	if code != ExitFailure || !strings.Contains(errOut, "NoSuchBox") {
		t.Errorf("sync of a missing mailbox: exit %d, want %d\n%s%s", code, ExitFailure, out, errOut)
	}
	code, out, errOut = w.run("sync", "work:NoSuchBox", "work:INBOX")
	if code != ExitPartial {
		t.Errorf("sync of a missing and a good mailbox: exit %d, want %d\n%s%s", code, ExitPartial, out, errOut)
	}
}

// messageCounts maps each mailbox of s to its message count.
func messageCounts(s *memstore.Store) map[string]int {
	m := map[string]int{}
	for _, mb := range s.Snapshot().Mailboxes {
		m[mb.Name] = len(mb.Messages)
	}
	return m
}

// splitResults separates the per-mailbox result lines ("work/…", sorted,
// joined by "|") from the rest of the output.
func splitResults(out string) (results, rest string) {
	var res, other []string
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "work/") {
			res = append(res, strings.TrimSpace(l))
		} else {
			other = append(other, l)
		}
	}
	sort.Strings(res)
	return strings.Join(res, "|"), strings.Join(other, "")
}

func TestSyncSkipsAccountsSetToNone(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 2)
	w.writeConfig(strings.Replace(readConfig(t, w), "folders =", "sync = [\"none\"]\nfolders =", 1))
	code, out, errOut := w.run("sync")
	if code != ExitOK || messageCounts(w.near)["INBOX"] != 0 {
		t.Errorf("sync with sync = none: exit %d, near %v\n%s%s", code, messageCounts(w.near), out, errOut)
	}
}

func readConfig(t *testing.T, w *world) string {
	t.Helper()
	b, err := os.ReadFile(w.configPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
