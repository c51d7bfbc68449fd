package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestMemoryLimitFollowsLiveHeap: the limit is the floor while the live
// heap is small, and 1.5 times the live heap once that is larger, so a
// run that needs more memory than the limit is not collected without
// pause.
func TestMemoryLimitFollowsLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer limitFloor.Store(limitFloor.Load())
	const floor = 16 << 20
	limitFloor.Store(floor)
	runtime.GC()
	followLiveHeap()
	if got := debug.SetMemoryLimit(-1); got != floor {
		t.Errorf("small live heap: limit %d, want the floor %d", got, floor)
	}
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	followLiveHeap()
	got := debug.SetMemoryLimit(-1)
	runtime.KeepAlive(big)
	if got < 96<<20 || got == math.MaxInt64 {
		t.Errorf("64 MiB live: limit %d MiB, want at least 96", got>>20)
	}
}
