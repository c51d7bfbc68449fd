package e2etest

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// benchMemoryLimit is the soft heap limit the sync benchmarks run under:
// imapdir's default (internal/cli.DefaultMemoryLimitMiB).
const benchMemoryLimit = 16 << 20

// heapPeak samples the Go heap (live and dead objects) and the memory
// the runtime holds from the OS, keeping the highest values, until stop.
// A benchmark reports them: what a sync needs, next to the limit.
type heapPeak struct {
	mu         sync.Mutex
	heap, held uint64
	done       chan struct{}
	wg         sync.WaitGroup
}

// watchHeap sets the benchmark's memory limit and starts sampling; the
// returned stop restores the limit and reports peak-heap-MB and
// peak-go-MB.
func watchHeap(b *testing.B) (stop func()) {
	old := debug.SetMemoryLimit(benchMemoryLimit)
	p := &heapPeak{done: make(chan struct{})}
	p.wg.Go(p.sample)
	return func() {
		close(p.done)
		p.wg.Wait()
		debug.SetMemoryLimit(old)
		b.ReportMetric(float64(p.heap)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(p.held)/(1<<20), "peak-go-MB")
	}
}

func (p *heapPeak) sample() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(s)
		p.mu.Lock()
		p.heap = max(p.heap, s[0].Value.Uint64())
		p.held = max(p.held, s[1].Value.Uint64()-s[2].Value.Uint64())
		p.mu.Unlock()
		select {
		case <-p.done:
			return
		case <-t.C:
		}
	}
}
