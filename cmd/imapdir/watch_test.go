//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// watchRun is a running "imapdir --json watch" whose events a test reads.
type watchRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	events chan map[string]any
	stderr *lockedBuffer
	exited chan struct{}
	all    []map[string]any // every event read so far
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWatch starts the watch on a's configuration.
func startWatch(t *testing.T, a *account, args ...string) *watchRun {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--config", a.config, "--json", "watch"}, args...)...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), a.stateEnv())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &watchRun{t: t, cmd: cmd, events: make(chan map[string]any, 10000), stderr: &lockedBuffer{},
		exited: make(chan struct{})}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.events)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev map[string]any
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = map[string]any{"event": "unparsable", "line": sc.Text()}
			}
			w.events <- ev
		}
	}()
	go func() { cmd.Wait(); close(w.exited) }()
	t.Cleanup(func() {
		select {
		case <-w.exited:
		default:
			cmd.Process.Kill()
			<-w.exited
		}
	})
	return w
}

// waitFor reads events until one satisfies pred; it fails the test after
// a minute or when the watch exits.
func (w *watchRun) waitFor(desc string, pred func(ev map[string]any) bool) map[string]any {
	w.t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				w.t.Fatalf("watch ended before %s\nstderr:\n%s", desc, w.stderr.String())
			}
			w.all = append(w.all, ev)
			if ev["event"] == "unparsable" {
				w.t.Errorf("stdout line is not JSON: %v", ev["line"])
			}
			if pred(ev) {
				return ev
			}
		case <-deadline:
			w.t.Fatalf("no %s within a minute\nevents: %v\nstderr:\n%s", desc, w.all, w.stderr.String())
		}
	}
}

// stop sends sig and waits for the exit; it returns the exit code and how
// long the exit took.
func (w *watchRun) stop(sig syscall.Signal) (int, time.Duration) {
	w.t.Helper()
	start := time.Now()
	if err := w.cmd.Process.Signal(sig); err != nil {
		w.t.Fatal(err)
	}
	select {
	case <-w.exited:
	case <-time.After(time.Minute):
		w.t.Fatalf("watch did not exit within a minute of %v\nstderr:\n%s", sig, w.stderr.String())
	}
	for range w.events { // drain what is left
	}
	return w.cmd.ProcessState.ExitCode(), time.Since(start)
}

// isSynced matches a synced event of mailbox, or of a full sync, whose
// counts satisfy ok; mailbox "" matches full syncs only.
func isSynced(mailbox string, ok func(pulled, pushed map[string]any) bool) func(map[string]any) bool {
	return func(ev map[string]any) bool {
		if ev["event"] != "synced" || ev["full"] != true && (mailbox == "" || ev["mailbox"] != mailbox) {
			return false
		}
		pulled, _ := ev["pulled"].(map[string]any)
		pushed, _ := ev["pushed"].(map[string]any)
		return ok(pulled, pushed)
	}
}

func anyCounts(map[string]any, map[string]any) bool { return true }

func num(m map[string]any, k string) int {
	f, _ := m[k].(float64)
	return int(f)
}

// TestWatchBothWays: a message appended on the server arrives as a file; a
// flag changed by renaming the file reaches the server; a file deleted is
// expunged on the server; SIGTERM ends the watch with the lock released.
func TestWatchBothWays(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	w := startWatch(t, a)
	w.waitFor("the first full sync", isSynced("", anyCounts))
	st := a.run("status").must(t, 0)
	// The last event is the first sync or, when the NOTIFY connection came
	// up after it, that connection.
	want := regexp.MustCompile(fmt.Sprintf(`pid %d; connection connected notify; last event (synced|connection)`, w.cmd.Process.Pid))
	if !want.MatchString(st.stdout) {
		t.Errorf("status while watching lacks %q:\n%s", want, st.stdout)
	}

	uid := a.srv.SaveMessage(t, a.user.Name, "INBOX", message("pushed here"))
	w.waitFor("the new message pulled", isSynced("INBOX", func(p, _ map[string]any) bool { return num(p, "new") == 1 }))
	if n := countIn(maildirFiles(t, a.maildir), "INBOX"); n != 1 {
		t.Fatalf("INBOX holds %d files after the push, want 1", n)
	}
	w.waitFor("the new_mail event", func(ev map[string]any) bool {
		return ev["event"] == "new_mail" && ev["subject"] == "pushed here" && num(ev, "count") == 1
	})

	markLocally(t, filepath.Join(a.maildir, "INBOX"), "pushed here", "FS")
	w.waitFor("the flag change pushed", isSynced("INBOX", func(_, p map[string]any) bool { return num(p, "changed") == 1 }))
	if got := serverFlags(t, a, "INBOX", fmt.Sprint(uid)); !strings.Contains(got, `\Flagged`) || !strings.Contains(got, `\Seen`) {
		t.Errorf("server flags after the local change: %q", got)
	}

	files := maildirFiles(t, a.maildir)
	if err := os.Remove(filepath.Join(a.maildir, files[0])); err != nil {
		t.Fatal(err)
	}
	w.waitFor("the deletion pushed", isSynced("INBOX", func(_, p map[string]any) bool { return num(p, "deleted") == 1 }))
	if rows := a.srv.Fetch(t, a.user.Name, "INBOX", "uid"); len(rows) != 0 {
		t.Errorf("server INBOX after the local delete: %v", rows)
	}
	// The watch logs its message actions as sync does.
	log := a.run("log", "work").must(t, 0).stdout
	for _, want := range []string{fmt.Sprintf(`INBOX: pulled UID %d as`, uid), `"pushed here"`,
		fmt.Sprintf(`INBOX: flagged far UID %d +`, uid), fmt.Sprintf("INBOX: deleted far UID %d ", uid)} {
		if !strings.Contains(log, want) {
			t.Errorf("the action log lacks %q:\n%s", want, log)
		}
	}

	code, took := w.stop(syscall.SIGTERM)
	t.Logf("SIGTERM: exit %d after %s", code, took)
	if code != 0 {
		t.Errorf("watch exit %d after SIGTERM\nstderr:\n%s", code, w.stderr.String())
	}
	a.run("sync").must(t, 0) // the lock is free
	if _, err := os.Stat(filepath.Join(a.maildir, ".imapdir-watch.json")); !os.IsNotExist(err) {
		t.Errorf("status file left behind: %v", err)
	}
}

// renameAll adds flags to every message file of folder, as a mail reader
// marking everything read does: one rename each, as fast as it can.
func renameAll(t *testing.T, folder, flags string) int {
	t.Helper()
	var paths []string
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(folder, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			paths = append(paths, filepath.Join(folder, sub, e.Name()))
		}
	}
	for _, p := range paths {
		name := filepath.Base(p)
		if i := strings.Index(name, ":2,"); i >= 0 {
			name = name[:i]
		}
		if err := os.Rename(p, filepath.Join(folder, "cur", name+":2,"+flags)); err != nil {
			t.Fatal(err)
		}
	}
	return len(paths)
}

// TestWatchBurstIsOneStore: a mail reader marking 500 messages read
// becomes one sync of the mailbox and one UID STORE on the wire.
func TestWatchBurstIsOneStore(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	const n = 500
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = message(fmt.Sprintf("burst %d", i))
	}
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Time{}, raws...)
	w := startWatch(t, a, "-vvv")
	w.waitFor("the first full sync", isSynced("", func(p, _ map[string]any) bool { return num(p, "new") == n }))
	traceStart := len(w.stderr.String())

	if got := renameAll(t, filepath.Join(a.maildir, "INBOX"), "S"); got != n {
		t.Fatalf("renamed %d files, want %d", got, n)
	}
	pushed, syncs := 0, 0
	for pushed < n {
		ev := w.waitFor("the flags pushed", isSynced("INBOX", anyCounts))
		if c := num(ev["pushed"].(map[string]any), "changed"); c > 0 {
			pushed += c
			syncs++
		}
	}
	if syncs != 1 {
		t.Errorf("the burst took %d syncs that pushed flags, want 1", syncs)
	}
	trace := w.stderr.String()[traceStart:]
	stores := 0
	for _, line := range strings.Split(trace, "\n") {
		if strings.Contains(line, " C: ") && strings.Contains(line, " STORE ") {
			stores++
		}
	}
	if stores != 1 {
		t.Errorf("the burst sent %d STORE commands, want 1", stores)
	}
	seen := 0
	for _, row := range a.srv.Fetch(t, a.user.Name, "INBOX", "flags") {
		if strings.Contains(row["flags"], `\Seen`) {
			seen++
		}
	}
	if seen != n {
		t.Errorf("%d server messages are \\Seen, want %d", seen, n)
	}
	w.stop(syscall.SIGTERM)
}

// TestWatchSIGTERMDuringSync: SIGTERM while the first full sync copies
// 2000 messages ends the watch with the lock released; the next run
// completes with every message exactly once.
func TestWatchSIGTERMDuringSync(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "connections = 1\n")
	const n = 2000
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = append(message(fmt.Sprintf("bulk %d", i)), bytes.Repeat([]byte("0123456789abcdef\n"), 300)...)
	}
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Time{}, raws...)
	w := startWatch(t, a)
	waitFiles(t, filepath.Join(a.maildir, "INBOX"), 50) // copies under way
	code, took := w.stop(syscall.SIGTERM)
	t.Logf("SIGTERM during the first sync: exit %d after %s, %d files so far", code, took,
		countIn(maildirFiles(t, a.maildir), "INBOX"))
	if code != 0 {
		t.Errorf("exit %d\nstderr:\n%s", code, w.stderr.String())
	}
	a.run("sync").must(t, 0) // the lock was released
	ids := localMessageIDs(t, filepath.Join(a.maildir, "INBOX"))
	if len(ids) != n {
		t.Errorf("the Maildir holds %d distinct messages, want %d", len(ids), n)
	}
	for id, c := range ids {
		if c != 1 {
			t.Errorf("%s: %d copies", id, c)
		}
	}
	if srv := serverMessageIDs(t, a); len(srv) != n {
		t.Errorf("the server holds %d distinct messages, want %d", len(srv), n)
	}
}

// TestWatchHooks: post_sync_command runs after a sync that changed the
// Maildir, new_mail_command with the new message's decoded From and
// Subject; a failing hook is reported and the watch goes on.
func TestWatchHooks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	post, newMail := filepath.Join(dir, "post"), filepath.Join(dir, "new")
	a := newAccount(t, fmt.Sprintf(`post_sync_command = "echo ran >> %s; exit 3"
new_mail_command = "printf '%%s|%%s|%%s|%%s' \"$IMAPDIR_MAILBOX\" \"$IMAPDIR_COUNT\" \"$IMAPDIR_FROM\" \"$IMAPDIR_SUBJECT\" > %s"
`, post, newMail))
	w := startWatch(t, a)
	w.waitFor("the first full sync", isSynced("", anyCounts))
	msg := []byte("From: =?UTF-8?Q?Ren=C3=A9e?= <r@example.com>\nMessage-ID: <hook@example.com>\n" +
		"Subject: =?UTF-8?B?w4d1IHZh?=\n\nbody\n")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", msg)
	w.waitFor("the failing hook reported", func(ev map[string]any) bool {
		return ev["event"] == "error" && strings.Contains(fmt.Sprint(ev["error"]), "post_sync_command failed: exit status 3")
	})
	w.stop(syscall.SIGTERM) // waits for running hooks
	if got := readFile(t, post); got != "ran\n" {
		t.Errorf("post_sync_command output %q", got)
	}
	if got, want := readFile(t, newMail), "INBOX|1|Renée <r@example.com>|Çu va"; got != want {
		t.Errorf("new_mail_command saw %q, want %q", got, want)
	}
}

// waitFiles polls until folder's tmp/, new/ and cur/ hold at least n
// files together; it fails after a minute.
func waitFiles(t *testing.T, folder string, n int) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		got := 0
		for _, sub := range []string{"tmp", "new", "cur"} {
			ents, _ := os.ReadDir(filepath.Join(folder, sub))
			got += len(ents)
		}
		if got >= n {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s holds %d files after a minute, want %d", folder, got, n)
		}
	}
}

// TestWatchReloadOnSIGHUP: SIGHUP re-reads the configuration: an account
// added starts, one removed stops and frees its lock.
func TestWatchReloadOnSIGHUP(t *testing.T) {
	t.Parallel()
	work, home := newAccount(t, ""), newAccount(t, "")
	workText, homeText := readFile(t, work.config), strings.Replace(readFile(t, home.config), "[accounts.work]", "[accounts.home]", 1)
	w := startWatch(t, work)
	w.waitFor("work's first full sync", func(ev map[string]any) bool { return ev["account"] == "work" && ev["full"] == true })

	work.writeConfig(workText + "\n" + homeText)
	if err := w.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	w.waitFor("home's first full sync", func(ev map[string]any) bool { return ev["account"] == "home" && ev["full"] == true })

	work.writeConfig(homeText)
	if err := w.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	w.waitFor("work stopped", func(ev map[string]any) bool { return ev["account"] == "work" && ev["state"] == "stopped" })
	home.srv.SaveMessage(t, home.user.Name, "INBOX", message("still watched"))
	w.waitFor("home still watched", isSynced("INBOX", func(p, _ map[string]any) bool { return num(p, "new") == 1 }))
	// work's lock is free once its watch stopped: a sync of work (through
	// its own copy of the configuration) succeeds
	other := filepath.Join(t.TempDir(), "work.toml")
	if err := os.WriteFile(other, []byte(workText), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, "--config", other, "sync")
	if r.code != 0 {
		t.Errorf("sync of the removed account: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(w.stderr.String(), "configuration reloaded (2 accounts)") {
		t.Errorf("no reload line in stderr:\n%s", w.stderr.String())
	}
	w.stop(syscall.SIGTERM)
}

// TestWatchPlainLines: without --json the watch writes one line per event
// on stderr and nothing on stdout.
func TestWatchPlainLines(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	cmd := exec.Command(binary, "--config", a.config, "watch")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	var out bytes.Buffer
	errOut := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = &out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLine := func(substr string) {
		t.Helper()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(time.Minute)
		for !strings.Contains(errOut.String(), substr) {
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("no %q in stderr:\n%s", substr, errOut.String())
			}
		}
	}
	waitLine("work: full sync, no changes")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("plain"))
	waitLine("work INBOX: 1 new, latest from a@example.com: plain")
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
	t.Logf("stderr:\n%s", errOut.String())
}
