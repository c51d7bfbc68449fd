package e2etest

import (
	"context"
	"testing"
	"time"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/syncer"
)

// TestCanceledInitialSyncResumes cancels the initial sync twice midway
// (after some bodies were copied, as Ctrl-C would), each time starting
// the next run afresh (stores and state database reopened). The final
// state equals the server, and no message exists twice on either side.
func TestCanceledInitialSyncResumes(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	g := newGen("cancel", 8)
	seedMailbox(t, srv, user, "INBOX", g, 180, 0)
	srv.CreateMailbox(t, user, "Archive/2024")
	seedMailbox(t, srv, user, "Archive/2024", g, 120, 5)
	const total = 300
	server := serverTruth(t, srv, user)

	for _, after := range []int{40, 100} {
		copied := runCanceled(t, r, after)
		if copied < after {
			t.Fatalf("the run canceled after %d copies reported only %d", after, copied)
		}
		local := maildirTruth(t, r.root)
		t.Logf("canceled after %d copies: %d messages in the Maildir", after, local.count())
		checkNoDuplicates(t, local, "Maildir")
		if local.count() >= total {
			t.Fatalf("the canceled run copied everything (%d): cancel earlier", local.count())
		}
		r.reopen()
	}

	start := time.Now()
	res, _ := r.sync()
	t.Logf("resumed run: %+v in %v", sumResult(res), time.Since(start))
	local := maildirTruth(t, r.root)
	requireSame(t, server, serverTruth(t, srv, user), "server before", "server after")
	requireSame(t, server, local, "server", "Maildir")
	checkNoDuplicates(t, local, "Maildir")
	if n := local.count(); n != total {
		t.Errorf("%d messages in the Maildir, want %d", n, total)
	}
	res, _ = r.sync()
	if got := sumResult(res); !got.idle() {
		t.Errorf("the run after the resumed one did something: %+v", got)
	}
}

// runCanceled runs a sync whose context is canceled once after messages
// were copied, and returns how many the observer saw copied. Whatever the
// run returns, the state database must be consistent.
func runCanceled(t *testing.T, r *rig, after int) int {
	t.Helper()
	return runCanceledWith(t, r, syncer.DefaultOptions(), after)
}

// runCanceledWith is runCanceled with opts.
func runCanceledWith(t *testing.T, r *rig, opts syncer.Options, after int) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := newRecorder()
	start := time.Now()
	var canceledAt time.Time
	rec.onProgress = func(n int) {
		if n == after {
			canceledAt = time.Now()
			cancel()
		}
	}
	res, err := r.engine(opts, rec).SyncAccount(ctx)
	t.Logf("canceled run: %v until the cancel, %v more until it returned (%v)", canceledAt.Sub(start), time.Since(canceledAt), err)
	if err == nil && res.Err() == nil {
		t.Logf("the run canceled after %d copies finished anyway", after)
	}
	statedbtest.Check(t, r.db)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.progress[0] + rec.progress[1]
}

// checkNoDuplicates fails if a Message-ID is held more than once.
func checkNoDuplicates(t *testing.T, tr truth, side string) {
	t.Helper()
	for id, c := range tr.messageIDs() {
		if c > 1 {
			t.Errorf("%s holds %d copies of %s", side, c, id)
		}
	}
}
