//go:build unix

package watch

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookRig is an account with hooks whose events are collected.
func hookRig(t *testing.T, h Hooks) (*hooks, func() []Event) {
	var mu sync.Mutex
	var evs []Event
	opts := Options{Events: func(ev Event) { mu.Lock(); evs = append(evs, ev); mu.Unlock() }}
	opts.defaults()
	a := Account{Name: "work", Hooks: h}
	a.defaults()
	acc := newAccount(a, &opts)
	return acc.hook, func() []Event { mu.Lock(); defer mu.Unlock(); return append([]Event(nil), evs...) }
}

// TestHookNeverTwiceAtOnce: syncs asking for the hook while it runs queue
// one more run, never a second one at the same time.
func TestHookNeverTwiceAtOnce(t *testing.T) {
	dir := t.TempDir()
	cmd := `mkdir "$D/running" || echo overlap >> "$D/bad"; sleep 0.2; rmdir "$D/running"; echo run >> "$D/runs"`
	t.Setenv("D", dir)
	h, events := hookRig(t, Hooks{PostSync: cmd, Timeout: 10 * time.Second})
	changed := []report{{mailbox: "INBOX", pulled: Counts{New: 1}}}
	for range 5 {
		h.afterSync(changed)
	}
	h.postSync.wg.Wait()
	if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
		t.Error("the hook ran twice at once")
	}
	runs, _ := os.ReadFile(filepath.Join(dir, "runs"))
	if n := strings.Count(string(runs), "run"); n != 2 {
		t.Errorf("%d runs for 5 requests during one run, want 2 (the first and one queued)", n)
	}
	if evs := events(); len(evs) != 0 {
		t.Errorf("events: %+v", evs)
	}
	h.afterSync([]report{{mailbox: "INBOX", pushed: Counts{Changed: 1}}}) // the Maildir unchanged: no run
	h.postSync.wg.Wait()
	if runs2, _ := os.ReadFile(filepath.Join(dir, "runs")); len(runs2) != len(runs) {
		t.Error("post_sync_command ran after a sync that changed only the server")
	}
}

// TestHookTimeoutIsReported: a hook running past its timeout is killed
// and reported; nothing else happens.
func TestHookTimeoutIsReported(t *testing.T) {
	h, events := hookRig(t, Hooks{PostSync: "sleep 30", Timeout: 200 * time.Millisecond})
	h.afterSync([]report{{mailbox: "INBOX", pulled: Counts{Deleted: 1}}})
	h.postSync.wg.Wait()
	evs := events()
	if len(evs) != 1 || evs[0].Kind != EventError || !strings.Contains(evs[0].Error, "post_sync_command failed: timed out after 200ms") {
		t.Errorf("events: %+v", evs)
	}
}
