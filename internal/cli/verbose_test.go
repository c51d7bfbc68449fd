package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/golden"
	"github.com/imapdir/imapdir/internal/ui"
	"github.com/imapdir/imapdir/store"
)

// TestVerbosityGolden: each -v level adds its meaning on the same runs:
// -v a line for every mailbox and the mailbox notes, -vv a line per
// message action, the default only the mailboxes where something
// happened; a dry run lists what it would do to each message from -v on.
func TestVerbosityGolden(t *testing.T) {
	var b strings.Builder
	for _, args := range [][]string{{"sync"}, {"-v", "sync"}, {"-vv", "sync"}, {"-v", "--dry-run", "sync"}} {
		w := newWorld(t)
		w.seed("INBOX", 2, store.Seen)
		w.seed("Archive", 1)
		w.seed("Sent", 1)
		if code, out, errOut := w.run("sync", "work:Sent"); code != ExitOK {
			t.Fatalf("first sync: exit %d\n%s%s", code, out, errOut)
		}
		code, out, errOut := w.run(args...)
		fmt.Fprintf(&b, "$ imapdir %s\nexit %d\n%s", strings.Join(args, " "), code, mailboxLinesFirst(out))
		if errOut != "" {
			fmt.Fprintf(&b, "--- stderr\n%s", errOut)
		}
	}
	golden.Check(t, "verbosity.golden", b.String())
}

// mailboxLinesFirst puts the lines about single mailboxes ("work/…"),
// sorted, before the rest: mailboxes run in any order.
func mailboxLinesFirst(out string) string {
	var mine, rest []string
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "work/") {
			mine = append(mine, l)
		} else {
			rest = append(rest, l)
		}
	}
	sort.Strings(mine)
	return strings.Join(mine, "") + strings.Join(rest, "")
}

// TestActionLogAndLogCommand: a sync writes one line per message action
// to the account's log under the state directory, a dry run none, and
// "imapdir log" prints them, --since choosing by time.
func TestActionLogAndLogCommand(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 2)
	if code, out, errOut := w.run("--dry-run", "sync"); code != ExitOK {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := w.run("log", "work")
	if code != ExitOK || out != "" || !strings.Contains(errOut, "no message actions logged for work yet") {
		t.Fatalf("log after a dry run only: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := w.run("sync"); code != ExitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	if err := w.far.ChangeFlagsBehind("INBOX", 1, store.NewFlags(store.Flagged), nil); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := w.run("sync"); code != ExitOK {
		t.Fatalf("second sync: exit %d\n%s%s", code, out, errOut)
	}
	_, all, _ := w.run("log", "work")
	_, recent, _ := w.run("log", "work", "--since", "1h")
	_, later, errLater := w.run("log", "work", "--since", "2026-12-01")
	golden.Check(t, "log.golden", "$ imapdir log work\n"+all+"$ imapdir log work --since 1h\n"+recent+
		"$ imapdir log work --since 2026-12-01\n"+later+w.replaceDir(errLater))
	if code, _, errOut := w.run("log", "work", "--since", "yesterday"); code != ExitUsage || !strings.Contains(errOut, "--since") {
		t.Errorf("a bad --since: exit %d, %q", code, errOut)
	}
	path := actionLogPath(filepath.Join(w.dir, ".local", "state", "imapdir"), "work")
	if _, status, _ := w.run("status", "work"); !strings.Contains(status, "actions:   "+path+" (imapdir log work)") {
		t.Errorf("status does not name the action log %s:\n%s", path, status)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("action log %s: %v (want a file readable by its owner only)", path, err)
	}
}

// TestActionLogRotates: past actionLogMax the log moves to .1 (older ones
// shifting, the oldest dropped) and log prints the files oldest first.
func TestActionLogRotates(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l, err := openActionLog(filepath.Join(dir, "imapdir"), "work", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	subject := strings.Repeat("x", 1000)
	perFile := actionLogMax / 1100
	total := perFile * (actionLogKeep + 2)
	for i := range total {
		now = now.Add(time.Second)
		l.write(ui.Action{Mailbox: "INBOX", Verb: "pull", UID: uint32(i + 1), Subject: subject})
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	files := actionLogFiles(filepath.Join(dir, "imapdir"), "work")
	if len(files) != actionLogKeep+1 {
		t.Fatalf("log files %v, want the log and %d older ones", files, actionLogKeep)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Size() > actionLogMax {
			t.Errorf("%s: %v, size past the limit", f, err)
		}
	}
	var out bytes.Buffer
	n, err := printActionLog(&out, filepath.Join(dir, "imapdir"), "work", time.Time{})
	if err != nil || n == 0 || n >= total {
		t.Fatalf("printed %d lines of %d written (the oldest file dropped): %v", n, total, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	first, last := lines[0], lines[len(lines)-1]
	if !strings.Contains(last, fmt.Sprintf("UID %d ", total)) || first >= last {
		t.Errorf("not oldest first, or the newest missing: first %.60q, last %.60q", first, last)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"90m":                  now.Add(-90 * time.Minute),
		"36h":                  now.Add(-36 * time.Hour),
		"7d":                   now.AddDate(0, 0, -7),
		"2026-12-01T08:00:00Z": time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
		"2026-12-01":           time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1h", "yesterday", "7x", "-3d", "2026-13-01"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) accepted", bad)
		}
	}
}
