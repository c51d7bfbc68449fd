package watch

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// fastOptions are Options for tests: quick clock checks and retries.
func fastOptions() Options {
	return Options{JumpCheck: 20 * time.Millisecond, Backoff: Backoff{Base: 50 * time.Millisecond, Max: 400 * time.Millisecond},
		LivenessTimeout: 500 * time.Millisecond}
}

// TestClockJumpRechecksAtOnce: a wall-clock jump (suspend/resume) makes
// the listener redial at once and a full sync follow; changes still arrive.
func TestClockJumpRechecksAtOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, testenv.Dovecot(t))
	var offset atomic.Int64
	opts := fastOptions()
	opts.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	r.start(r.account(), opts)
	_, i := r.waitFor(0, "the first full sync", fullSync)
	_, _ = r.waitFor(0, "the connection", stateIs("connected"))

	offset.Add(int64(2 * time.Hour)) // the laptop slept two hours
	_, i = r.waitFor(i, "the redial", func(ev Event) bool {
		return ev.Kind == EventConnection && ev.State == "retrying" && ev.Error == errKicked.Error()
	})
	_, i = r.waitFor(i, "the new connection", stateIs("connected"))
	_, i = r.waitFor(i, "the full sync after the jump", fullSync)

	r.srv.SaveMessage(t, r.user.Name, "INBOX", message("after the jump"))
	r.waitFor(i, "the message pulled", pulledNew("INBOX", 1))
	if n := r.files("INBOX"); n != 1 {
		t.Errorf("INBOX holds %d files, want 1", n)
	}
}
