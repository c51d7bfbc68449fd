package cli

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
)

// DefaultMemoryLimitMiB is the Go heap's soft limit by default: a sync
// streams bodies from socket to disk and keeps every per-message structure
// bounded, so the heap it needs does not grow with the mailbox; the limit
// makes the collector return what it can before the process grows past it.
// The process adds about 13 MB of mapped code and SQLite's own memory; on
// 2026-12-04 a first sync of 10 000 messages peaked at 30 MB RSS with this
// limit, 35 MB with 24 MiB, at 15 % more user CPU (docs/BENCHMARKS.md).
const DefaultMemoryLimitMiB = 16

// applyMemoryLimit sets the runtime's soft memory limit
// (runtime/debug.SetMemoryLimit) from --memory-limit, in MiB; 0 leaves the
// runtime's default (no limit). GOMEMLIMIT in the environment, which the
// runtime reads itself, wins over the flag. The limit is soft: a run that
// needs more gets more, after harder collection.
func (st *runState) applyMemoryLimit() error {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return nil
	}
	mib := st.flags.memoryLimit
	if mib < 0 {
		return usageErr(fmt.Errorf("--memory-limit %d: want a number of MiB, or 0 for none", mib))
	}
	if mib == 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return nil
	}
	debug.SetMemoryLimit(int64(mib) << 20)
	return nil
}
