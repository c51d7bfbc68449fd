package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/faultproxy"
)

// TestFaultySyncsConverge runs full syncs (the binary) through a proxy to
// Dovecot that, each run, cuts the connection at a random byte offset in
// either direction, stalls it past the timeout, or throttles it to 64 KB/s,
// while messages arrive on both sides and flags change. Then well-behaved
// runs must converge: every message on both sides exactly once, none
// truncated. IMAPDIR_FAULT_RUNS sets the number of faulty runs (`make
// faults` runs 100; go test a few), IMAPDIR_FAULT_SEED replays a sequence.
func TestFaultySyncsConverge(t *testing.T) {
	t.Parallel()
	runs := 4
	if s := os.Getenv("IMAPDIR_FAULT_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("IMAPDIR_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("IMAPDIR_FAULT_SEED=%d IMAPDIR_FAULT_RUNS=%d", seed, runs)
	rng := rand.New(rand.NewPCG(seed, 1))

	f := newFaultRun(t)
	counts := map[int]int{}
	fired := 0
	for i := range runs {
		f.mutate(rng, i)
		what, hit := f.arm(rng)
		r, rss := f.h.run(f.config, "sync")
		counts[r.code]++
		select {
		case <-hit:
			fired++
		default:
		}
		if r.code == 2 || r.code > 3 {
			t.Fatalf("run %d (%s): exit %d\n%s%s", i, what, r.code, r.stdout, r.stderr)
		}
		r.noStackTrace(t)
		if rss > hostileMaxRSS {
			t.Errorf("run %d (%s): peak RSS %d kB", i, what, rss)
		}
		f.px.Disarm()
		f.px.Throttle(0)
	}
	t.Logf("exit codes of the %d faulty runs: %v; the fault struck in %d (throttled runs included)", runs, counts, fired)
	for i := 0; ; i++ {
		r, _ := f.h.run(f.config, "sync")
		if r.code == 0 {
			break
		}
		if i == 2 {
			t.Fatalf("the runs after the faults do not succeed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
	f.converged()
}

// faultRun is an account reached through a fault proxy.
type faultRun struct {
	t      *testing.T
	h      *hostileRun
	px     *faultproxy.Proxy
	config string
	next   int // message serial
}

func newFaultRun(t *testing.T) *faultRun {
	h := newHostileRun(t)
	px, err := faultproxy.New(h.srv.IMAPAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	f := &faultRun{t: t, h: h, px: px}
	port, _ := strconv.Atoi(px.Addr()[strings.LastIndexByte(px.Addr(), ':')+1:])
	f.config = h.config(port, "")
	for _, mb := range []string{"INBOX", "Good", "Bad"} { // larger messages: cuts land inside literals
		for range 3 {
			f.serverMessage(mb, 60<<10)
		}
	}
	return f
}

// faultMessage is a message whose last line marks its end.
func faultMessage(id string, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: a@example.com\nMessage-ID: <%s@fault>\nSubject: %s\n\n", id, id)
	for b.Len() < size {
		b.WriteString("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n")
	}
	fmt.Fprintf(&b, "END-%s\n", id)
	return []byte(b.String())
}

func (f *faultRun) serverMessage(mb string, size int) {
	f.next++
	f.h.srv.SaveMessage(f.t, f.h.user.Name, mb, faultMessage(fmt.Sprintf("s%d", f.next), size))
}

// localMessage delivers a message into the Maildir's new/ as a mail
// reader would (for the fs layout, INBOX is the directory INBOX).
func (f *faultRun) localMessage(mb string, size int) {
	f.next++
	dir := filepath.Join(f.h.maildir, mb, "new")
	if _, err := os.Stat(dir); err != nil {
		return // not synced yet: nothing local to add to
	}
	name := fmt.Sprintf("%d.F%d.faulttest", time.Now().Unix(), f.next)
	if err := os.WriteFile(filepath.Join(dir, name), faultMessage(fmt.Sprintf("l%d", f.next), size), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// mutate makes changes on both sides before run i.
func (f *faultRun) mutate(rng *rand.Rand, i int) {
	mbs := []string{"INBOX", "Good", "Bad"}
	f.serverMessage(mbs[rng.IntN(3)], rng.IntN(200<<10))
	if i%2 == 1 {
		f.localMessage(mbs[rng.IntN(3)], rng.IntN(100<<10))
	}
	if i%3 == 2 {
		f.h.srv.AddFlags(f.t, f.h.user.Name, mbs[rng.IntN(3)], 1, `\Flagged`)
	}
}

// arm sets this run's fault, says which, and returns a channel closed
// once it struck. Offsets count from the first bytes after arming, within
// what one run exchanges on a connection.
func (f *faultRun) arm(rng *rand.Rand) (string, <-chan struct{}) {
	switch rng.IntN(5) {
	case 0, 1:
		n := rng.IntN(64 << 10)
		return fmt.Sprintf("cut after %d bytes from the server", n), f.px.CutAfter(faultproxy.ToClient, "", n)
	case 2:
		n := rng.IntN(2 << 10)
		return fmt.Sprintf("cut after %d bytes to the server", n), f.px.CutAfter(faultproxy.ToServer, "", n)
	case 3:
		n := rng.IntN(32 << 10)
		return fmt.Sprintf("stall after %d bytes from the server", n), f.px.StallAfter(faultproxy.ToClient, "", n)
	}
	f.px.Throttle(64 << 10)
	done := make(chan struct{})
	close(done)
	return "throttled to 64 KB/s", done
}

// converged checks that server and Maildir hold the same messages, each
// once, none truncated.
func (f *faultRun) converged() {
	t := f.t
	for _, mb := range []string{"INBOX", "Good", "Bad"} {
		server := map[string]int{}
		for _, m := range f.h.srv.Fetch(t, f.h.user.Name, mb, "uid") {
			uid, _ := strconv.ParseUint(m["uid"], 10, 32)
			id := checkedID(t, "server "+mb, f.h.srv.FetchText(t, f.h.user.Name, mb, uint32(uid)))
			server[id]++
		}
		local := map[string]int{}
		for _, rel := range maildirFiles(t, f.h.maildir) {
			if strings.HasPrefix(rel, mb+"/") {
				local[checkedID(t, "Maildir "+rel, []byte(readFile(t, filepath.Join(f.h.maildir, rel))))]++
			}
		}
		for id, n := range server {
			if n != 1 || local[id] != 1 {
				t.Errorf("%s: message %s is %d times on the server, %d times in the Maildir", mb, id, n, local[id])
			}
		}
		for id, n := range local {
			if server[id] == 0 {
				t.Errorf("%s: message %s is %d times in the Maildir, not on the server", mb, id, n)
			}
		}
	}
}

// checkedID returns a message's Message-ID, failing the test when the
// message does not end with its END line.
func checkedID(t *testing.T, where string, msg []byte) string {
	t.Helper()
	var id string
	sc := bufio.NewScanner(bytes.NewReader(msg))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Message-ID: <"); ok {
			id = v
			break
		}
	}
	if id == "" {
		return "(no Message-ID: " + strings.SplitN(string(msg), "\n", 2)[0] + ")"
	}
	id, ours := strings.CutSuffix(id, "@fault>")
	if ours && !bytes.HasSuffix(bytes.TrimRight(msg, "\r\n"), []byte("END-"+id)) {
		t.Errorf("%s: message %s is truncated (%d bytes)", where, id, len(msg))
	}
	return id
}
