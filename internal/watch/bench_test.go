package watch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
)

// latencyEvents is how many events each latency measure takes.
const latencyEvents = 50

// BenchmarkWatchLatency measures, with the default debounce (300 ms), the
// time from a change to the watch's report that the other side has it:
// a message appended on the server until its file is in the Maildir; a
// file renamed (flag change) until the server has the flag; a file
// deleted until the server has expunged it. It reports p50 and p99 over
// latencyEvents events each (per b.N round). Run it with
//
//	go test -run '^$' -bench WatchLatency -benchtime 1x ./internal/watch
func BenchmarkWatchLatency(b *testing.B) {
	srv := testenv.Dovecot(b)
	r := newRig(b, srv)
	r.start(r.account(), Options{})
	_, i := r.waitFor(0, "the first full sync", fullSync)
	app, err := testBackend{r}.Dial(context.Background(), nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	var pull, flag, del []time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for k := 0; k < latencyEvents; k++ {
			msg := message(fmt.Sprintf("latency %d %d", n, k))
			if _, err := app.Append(context.Background(), "INBOX",
				imapclient.AppendMessage{Size: int64(len(msg)), Body: bytes.NewReader(msg)}); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			_, i = r.waitFor(i, "the pull", pulledNew("INBOX", 1))
			pull = append(pull, time.Since(start))

			file := r.onlyFile(b, "INBOX")
			start = time.Now()
			if err := os.Rename(file, strings.TrimSuffix(strings.Replace(file, "/new/", "/cur/", 1), ":2,")+":2,S"); err != nil {
				b.Fatal(err)
			}
			_, i = r.waitFor(i, "the flag push", func(ev Event) bool { return ev.Kind == EventSynced && ev.Pushed.Changed == 1 })
			flag = append(flag, time.Since(start))

			file = r.onlyFile(b, "INBOX")
			start = time.Now()
			if err := os.Remove(file); err != nil {
				b.Fatal(err)
			}
			_, i = r.waitFor(i, "the deletion push", func(ev Event) bool { return ev.Kind == EventSynced && ev.Pushed.Deleted == 1 })
			del = append(del, time.Since(start))
		}
	}
	b.StopTimer()
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"append→file", pull}, {"flag→server", flag}, {"delete→server", del}} {
		p50, p99 := percentile(m.d, 50), percentile(m.d, 99)
		b.ReportMetric(p50.Seconds()*1000, m.name+"-p50-ms")
		b.ReportMetric(p99.Seconds()*1000, m.name+"-p99-ms")
	}
}

// onlyFile returns the path of mailbox's one message file.
func (r *rig) onlyFile(tb testing.TB, mailbox string) string {
	tb.Helper()
	var files []string
	for _, sub := range []string{"new", "cur"} {
		m, _ := filepath.Glob(filepath.Join(r.root, mailbox, sub, "*"))
		files = append(files, m...)
	}
	if len(files) != 1 {
		tb.Fatalf("%s holds %v, want one file", mailbox, files)
	}
	return files[0]
}

// percentile returns the p-th percentile (nearest rank) of d.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	k := (p*len(s) + 99) / 100
	return s[max(k-1, 0)]
}

// TestIdleCost watches 20 accounts of 10 mailboxes each with no traffic
// and reports the CPU time the process spends over IMAPDIR_IDLE_COST (a
// duration, e.g. 10m; `make watch-idle-cost`), and the connections each
// account holds (one, where NOTIFY is offered). Skipped without it.
func TestIdleCost(t *testing.T) {
	period, err := time.ParseDuration(os.Getenv("IMAPDIR_IDLE_COST"))
	if err != nil {
		t.Skip("set IMAPDIR_IDLE_COST=10m to measure the idle cost (make watch-idle-cost)")
	}
	srv := testenv.Dovecot(t)
	const accounts, mailboxes = 20, 10
	var rigs []*rig
	var accts []Account
	for a := range accounts {
		r := newRig(t, srv)
		for m := range mailboxes - 1 {
			srv.CreateMailbox(t, r.user.Name, fmt.Sprintf("Box%d", m))
		}
		srv.SaveMessage(t, r.user.Name, "INBOX", message(fmt.Sprintf("idle %d", a)))
		acct := r.account()
		acct.Name = fmt.Sprintf("acct%d", a)
		rigs, accts = append(rigs, r), append(accts, acct)
	}
	all := &rig{t: t, notify: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, Options{Events: all.record, EngineLinger: time.Second}, accts, nil)
	}()
	defer func() { cancel(); <-done }()
	i := 0
	for range accounts {
		_, i = all.waitFor(i, "the first full syncs", fullSync)
	}
	lingered := time.NewTimer(3 * time.Second) // EngineLinger, then a margin: the stores close
	<-lingered.C
	before := cpuTime(t)
	timer := time.NewTimer(period)
	<-timer.C
	used := cpuTime(t) - before
	events := all.mark() - i
	t.Logf("idle %d accounts × %d mailboxes for %s: CPU %s (user+system), %d events", accounts, mailboxes, period, used, events)
	for k, r := range rigs {
		if n := r.open.Load(); n != 1 {
			t.Errorf("account %d holds %d connections while idle, want 1 (NOTIFY)", k, n)
		}
	}
	if used > time.Second*time.Duration(period/(10*time.Minute)+1) {
		t.Errorf("CPU %s over %s idle: more than 1 s per 10 min", used, period)
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
