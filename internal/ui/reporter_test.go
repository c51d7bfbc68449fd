package ui

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/imapdir/imapdir/internal/golden"
	"strings"
	"sync"
	"testing"
	"time"
)

func runScript(t *testing.T, o Options) (out, errOut string) {
	t.Helper()
	var ob, eb safeBuffer
	c := newClock()
	o.Out, o.Now = &ob, c.Now
	if o.Mode != ModeJSON {
		o.Err = &eb
	}
	r := New(o)
	script(r, c)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	return ob.String(), eb.String()
}

func TestPlainGolden(t *testing.T) {
	out, errOut := runScript(t, Options{Mode: ModePlain})
	golden.Check(t, "plain_out.golden", out)
	golden.Check(t, "plain_err.golden", errOut)
}

func TestPlainDryRunGolden(t *testing.T) {
	out, _ := runScript(t, Options{Mode: ModePlain, DryRun: true})
	golden.Check(t, "plain_dryrun_out.golden", out)
}

// TestVerbosityGolden: -v adds the mailboxes where nothing happened and the
// mailbox notes; -vv a line per message action; the dry run says "would".
func TestVerbosityGolden(t *testing.T) {
	var all strings.Builder
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"-v", Options{Mode: ModePlain, Verbose: VerboseMailboxes}},
		{"-vv", Options{Mode: ModePlain, Verbose: VerboseMessages}},
		{"-v --dry-run", Options{Mode: ModePlain, Verbose: VerboseMailboxes, DryRun: true}},
		{"-vv --json", Options{Mode: ModeJSON, Verbose: VerboseMessages}},
	} {
		out, errOut := runScript(t, c.o)
		fmt.Fprintf(&all, "=== %s\n%s", c.name, out)
		if errOut != "" {
			fmt.Fprintf(&all, "--- stderr\n%s", errOut)
		}
	}
	golden.Check(t, "verbosity.golden", all.String())
}

func TestQuietKeepsErrorsAndFinalLine(t *testing.T) {
	out, errOut := runScript(t, Options{Mode: ModePlain, Quiet: true})
	wantOut := "imapdir: 1 account, 3 mailboxes, 1211 changes, 1 failed, 1 account failed, 1 skipped, 30.0 MiB in 12.5s\n"
	wantErr := "work/Junk/Old: failed: connection reset by peer\nerror: work: server said BYE: shutting down\n"
	if out != wantOut || errOut != wantErr {
		t.Errorf("quiet out %q\nwant      %q\nerr %q\nwant %q", out, wantOut, errOut, wantErr)
	}
}

func TestJSONGoldenAndSchema(t *testing.T) {
	out, _ := runScript(t, Options{Mode: ModeJSON, Interval: 5 * time.Second})
	golden.Check(t, "events.jsonl", out)
	counts := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		name, _ := ev["event"].(string)
		counts[name]++
		if name == "mailbox_done" && ev["mailbox"] == "INBOX" {
			pull := ev["pull"].(map[string]any)
			if pull["new"] != 1200.0 || ev["skipped"] != 1.0 {
				t.Errorf("INBOX mailbox_done: %v", ev)
			}
		}
	}
	want := map[string]int{"mailbox_start": 3, "progress": 2, "mailbox_done": 3, "warning": 1,
		"error": 1, "summary": 1, "done": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("event counts %v, want %v", counts, want)
	}
}

func TestProgressLine(t *testing.T) {
	c := newClock()
	r := New(Options{Out: &safeBuffer{}, Mode: ModePlain, Now: c.Now})
	r.MailboxStart("work", "INBOX", 100, 10<<20)
	r.MailboxStart("home", "Sent", 10, 0)
	c.Advance(2 * time.Second)
	r.Progress("work", "INBOX", 50, 4<<20)
	want := "0 mailboxes done, 50/110 messages, 4.0 MiB/10.0 MiB, 2.0 MiB/s, ETA 3.0s, 2.0s elapsed; syncing home/Sent, work/INBOX"
	if got := r.ProgressLine(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestConcurrentUse drives every mode from many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	for _, mode := range []Mode{ModePlain, ModeJSON, ModeBars} {
		out := &safeBuffer{}
		r := New(Options{Out: out, Mode: mode, Interval: time.Nanosecond})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mb := fmt.Sprintf("box%d", g)
				r.MailboxStart("acct", mb, 50, 50*1000)
				for range 50 {
					r.Progress("acct", mb, 1, 1000)
					_ = r.ProgressLine()
				}
				r.Warn("acct", mb, "w")
				r.MailboxDone("acct", mb, MailboxStats{Pull: Counts{New: 50}}, nil)
			}()
		}
		wg.Wait()
		r.AccountDone("acct")
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); !strings.Contains(got, "8 mailboxes") && !strings.Contains(got, `"mailboxes":8`) {
			t.Errorf("mode %d: no final summary in output:\n%s", mode, got)
		}
	}
}

func TestBarsPrintSummaryAboveBars(t *testing.T) {
	out := &safeBuffer{}
	c := newClock()
	r := New(Options{Out: out, Mode: ModeBars, Now: c.Now})
	script(r, c)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"work: 3 mailboxes, 1211 changes, 1 failed", "work/INBOX: pulled 1200 new",
		"error: work: server said BYE", "imapdir: 1 account, 3 mailboxes"} {
		if !strings.Contains(got, want) {
			t.Errorf("bars output lacks %q:\n%s", want, got)
		}
	}
}

// TestFailedAccountPrintsNoEmptyTable: an account that failed before any
// mailbox (wrong password) shows its error and is counted in the final
// line, not an empty summary that reads as "nothing to do".
func TestFailedAccountPrintsNoEmptyTable(t *testing.T) {
	var out, errb strings.Builder
	r := New(Options{Out: &out, Err: &errb, Mode: ModePlain, Now: func() time.Time { return time.Unix(0, 0) }})
	r.Error("work", "", errors.New("login: AUTHENTICATIONFAILED"))
	r.AccountDone("work")
	r.Close()
	if strings.Contains(out.String(), "work: 0 mailboxes") {
		t.Errorf("empty summary printed for a failed account:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "1 account failed") {
		t.Errorf("final line does not count the failed account:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "error: work: login: AUTHENTICATIONFAILED") {
		t.Errorf("error not shown:\n%s", errb.String())
	}
}
