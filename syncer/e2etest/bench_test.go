package e2etest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

// Benchmarks of the engine end to end: Dovecot on loopback (plain IMAP,
// no TLS), imapstore, the engine, maildirstore writing a Maildir with
// fsync. Message counts come from the environment so that a quick
// `go test -bench` stays small:
//
//	E2E_BENCH_N=10000 go test -run '^$' -bench InitialSync -benchtime 1x ./syncer/e2etest
//
// bench/compare.sh runs the same engine next to mbsync, in separate
// processes, for wall time and peak memory.

// envInt reads a positive count from the environment variable name.
func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// benchSize picks message sizes averaging about 22 KB (the reference
// data set of DESIGN.md: 10 000 messages, 221 MB): mostly small, some
// tens of KB, a few hundreds.
func benchSize(r *rand.Rand) int {
	switch p := r.IntN(100); {
	case p < 2:
		return 200_000 + r.IntN(200_000)
	case p < 20:
		return 20_000 + r.IntN(80_000)
	default:
		return 2_000 + r.IntN(10_000)
	}
}

// seedBench delivers n messages into user's INBOX, sized by size (nil:
// about 2 KB), 70 % of them \Seen, and returns the bytes delivered.
func seedBench(b *testing.B, srv *testenv.Server, user string, n int, size func(*rand.Rand) int) int64 {
	b.Helper()
	g := newGen("bench", 9)
	var total int64
	const chunk = 1000
	for done := 0; done < n; done += chunk {
		raws := make([][]byte, min(chunk, n-done))
		for i := range raws {
			s := 1500
			if size != nil {
				s = size(g.rnd)
			}
			raws[i] = g.next(s)
			total += int64(len(raws[i]))
		}
		uids := srv.DeliverMessages(b, user, "INBOX", seedDate, raws...)
		var seen []uint32
		for i, u := range uids {
			if i%10 < 7 {
				seen = append(seen, u)
			}
		}
		srv.Doveadm(b, "flags", "add", "-u", user, `\Seen`, "mailbox", "INBOX", "uid",
			strconv.FormatUint(uint64(seen[0]), 10)+":"+strconv.FormatUint(uint64(uids[len(uids)-1]), 10))
	}
	return total
}

// BenchmarkInitialSync copies E2E_BENCH_N messages (default 500, about
// 22 KB each) from Dovecot into an empty Maildir: fetch, LF conversion,
// write, fsync, state. Each iteration starts from an empty Maildir and
// state database. It runs under imapdir's default memory limit and
// reports the peak Go heap (peak-heap-MB) and the peak memory the runtime
// held (peak-go-MB): flat in N when every per-message structure is
// bounded and bodies stream from the socket to the file.
func BenchmarkInitialSync(b *testing.B) {
	n := envInt(b, "E2E_BENCH_N", 500)
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	b.SetBytes(seedBench(b, srv, u.Name, n, benchSize))
	dir := b.TempDir()
	i := 0
	defer watchHeap(b)()
	for b.Loop() {
		b.StopTimer()
		i++
		root := filepath.Join(dir, strconv.Itoa(i))
		if err := os.Mkdir(root, 0o700); err != nil {
			b.Fatal(err)
		}
		r := maildirRigFor(b, srv, u, root)
		b.StartTimer()
		res, _ := r.sync()
		b.StopTimer()
		if got := sumResult(res).New[1]; got != n {
			b.Fatalf("copied %d messages, want %d", got, n)
		}
		r.close()
		if err := os.RemoveAll(r.root); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkNoChangeResync re-runs a sync of E2E_BENCH_RESYNC_N messages
// (default 2 000, about 2 KB each) with nothing to do: the cost of
// finding out there is nothing to do (QRESYNC on the server, a directory
// scan of the Maildir). It reports the bytes on the wire per run.
func BenchmarkNoChangeResync(b *testing.B) {
	n := envInt(b, "E2E_BENCH_RESYNC_N", 2000)
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	seedBench(b, srv, u.Name, n, nil)
	r := maildirRigFor(b, srv, u, b.TempDir())
	r.sync()
	r.sync() // the first resync may still see the first run's effects
	r.farWire.reset()
	defer watchHeap(b)()
	for b.Loop() {
		res, _ := r.sync()
		if got := sumResult(res); !got.idle() {
			b.Fatalf("resync did something: %+v", got)
		}
	}
	b.ReportMetric(float64(r.farWire.total())/float64(b.N), "wire-B/op")
}
