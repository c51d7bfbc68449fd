package syncer

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/store/memstore"
)

// TestFirstSyncHeapFlat: what a first sync keeps on the Go heap does not
// grow with the mailbox. A first sync of N and of 4N messages from a
// memory store into a Maildir; during each, the live heap (after a
// collection) is sampled every few hundred copies, less what it was
// before the sync (the seeded memory store). The 4N run may keep at most a
// little more than the N run: without windows (WindowMessages 1<<30) the
// engine kept about 230 bytes per new message of this size (2.8 MB more
// here; with windows none, on 2026-12-04).
func TestFirstSyncHeapFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("copies 20 000 messages; runs without -short and -race")
	}
	const n = 4000
	small := firstSyncHeapGrowth(t, n, DefaultWindowMessages)
	large := firstSyncHeapGrowth(t, 4*n, DefaultWindowMessages)
	t.Logf("live heap growth: %.1f MB at %d messages, %.1f MB at %d", mb(small), n, mb(large), 4*n)
	if large > small+(3<<19) {
		t.Errorf("live heap grew by %.1f MB at %d messages, %.1f MB at %d: want at most 1.5 MB more",
			mb(large), 4*n, mb(small), n)
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// firstSyncHeapGrowth runs a first sync of n messages and returns the
// highest live heap sampled during it, less the live heap before it.
func firstSyncHeapGrowth(t *testing.T, n, window int) int64 {
	t.Helper()
	far := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	for i := range n {
		b := fmt.Appendf(nil, "Message-ID: <CAH%08d+heap.window.test-%08d@mail.example.org>\r\nSubject: message %d\r\n\r\nbody %d\r\n", i, i, i, i)
		if _, err := far.Seed("INBOX", b, store.NewFlags(store.Seen), epoch); err != nil {
			t.Fatal(err)
		}
	}
	db := openDB(t)
	near, err := maildirstore.New(maildirstore.Options{Root: scratchDir(t), DB: db, SyncFS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { near.Close() })
	obs := &heapSampler{every: 250}
	opts := DefaultOptions()
	opts.Observer, opts.WindowMessages = obs, window
	eng, err := New(far, near, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	base := liveHeap()
	res, err := eng.SyncAccount(context.Background())
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := total(res, func(m MailboxReport) int { return m.New[Near] }); got != n {
		t.Fatalf("copied %d messages, want %d", got, n)
	}
	if obs.samples < n/obs.every {
		t.Fatalf("%d heap samples, want %d", obs.samples, n/obs.every)
	}
	return obs.peak - base
}

// scratchDir is a temporary directory in /dev/shm where there is one (no
// disk writes for the thousands of files), else t.TempDir.
func scratchDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "syncer-heap-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// liveHeap collects and returns the bytes of live heap objects.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// heapSampler is an Observer that samples the live heap every `every`
// copied messages.
type heapSampler struct {
	NopObserver
	every   int
	mu      sync.Mutex
	copied  int
	samples int
	peak    int64
}

func (h *heapSampler) Progress(string, Side, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.copied++
	if h.copied%h.every == 0 {
		h.samples++
		h.peak = max(h.peak, liveHeap())
	}
}
