package cli

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultMemoryLimitMiB is the Go heap's soft limit by default: a sync
// streams bodies from socket to disk, so the heap it needs is small; the
// limit makes the collector return what it can before the process grows
// past it. The process adds about 13 MB of mapped code and SQLite's own
// memory; on 2026-12-04 a first sync of 10 000 messages peaked at 30 MB
// RSS with this limit, 35 MB with 24 MiB, at 15 % more user CPU
// (docs/BENCHMARKS.md).
const DefaultMemoryLimitMiB = 16

// stateCacheKiB caps the page cache of each state database connection
// (SQLite's default is 2 000 KiB per connection, and a sync holds a
// writer and up to four readers). On 2026-12-04 a first sync of 50 000
// messages peaked at 33.5 MB RSS with the default and 30.1 MB with this
// (docs/BENCHMARKS.md, "Memory and CPU"); the database's pages stay in the
// kernel's page cache.
const stateCacheKiB = 512

// applyMemoryLimit sets the runtime's soft memory limit
// (runtime/debug.SetMemoryLimit) from --memory-limit, in MiB; 0 leaves the
// runtime's default (no limit). GOMEMLIMIT in the environment, which the
// runtime reads itself, wins over the flag.
//
// The limit is a floor, not a ceiling: after each collection it is raised
// to 1.5 times the live heap when that is more. A run whose live heap
// outgrows the limit (the engine's plan of a first sync of tens of
// thousands of messages) then collects as with GOGC=50 instead of
// collecting without pause, which cost a first sync of 50 000 messages
// three times its CPU on 2026-12-04.
func (st *runState) applyMemoryLimit() error {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return nil
	}
	mib := st.flags.memoryLimit
	if mib < 0 {
		return usageErr(fmt.Errorf("--memory-limit %d: want a number of MiB, or 0 for none", mib))
	}
	if mib == 0 {
		limitFloor.Store(0)
		debug.SetMemoryLimit(math.MaxInt64)
		return nil
	}
	limitFloor.Store(int64(mib) << 20)
	debug.SetMemoryLimit(int64(mib) << 20)
	followOnce.Do(armGCHook)
	return nil
}

// limitFloor is the limit --memory-limit set (0: none); the process's
// memory limit is a runtime setting, one per process, so this is too.
var (
	limitFloor atomic.Int64
	followOnce sync.Once
)

// gcSentinel is garbage whose finalizer runs after each collection (it
// holds a pointer, so it is never batched into a tiny allocation).
type gcSentinel struct{ _ *int }

// armGCHook makes followLiveHeap run after the next collection, and so on.
func armGCHook() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		followLiveHeap()
		armGCHook()
	})
}

// followLiveHeap sets the memory limit to the floor or 1.5 times the
// live heap, whichever is more.
func followLiveHeap() {
	floor := limitFloor.Load()
	if floor <= 0 {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	live := int64(s[0].Value.Uint64())
	debug.SetMemoryLimit(max(floor, live/2*3))
}
