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
// makes the collector return what it can before the process grows past it
// (peak RSS stays near the limit plus the runtime's own overhead).
const DefaultMemoryLimitMiB = 24

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
