package e2etest

import (
	"testing"

	"github.com/imapdir/imapdir/syncer"
)

// TestWindowedInitialSyncResumes: a first sync from Dovecot listed and
// copied in small UID windows, canceled midway and resumed (stores and
// state reopened), ends with the Maildir equal to the server, no message
// twice, and a next run with nothing to do. (Windows over the Maildir
// side are covered by the engine's tests, syncer.TestWindowedListing.)
func TestWindowedInitialSyncResumes(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	g := newGen("window", 11)
	seedMailbox(t, srv, user, "INBOX", g, 150, 0)
	server := serverTruth(t, srv, user)
	opts := syncer.DefaultOptions()
	opts.WindowMessages, opts.BatchMessages = 16, 10

	copied := runCanceledWith(t, r, opts, 70)
	local := maildirTruth(t, r.root)
	checkNoDuplicates(t, local, "Maildir")
	if copied < 70 || local.count() >= 150 {
		t.Fatalf("the canceled run copied %d (%d in the Maildir): want a run stopped midway", copied, local.count())
	}
	r.reopen()

	res, rec := r.syncWith(opts)
	if err := res.Err(); err != nil {
		t.Fatalf("resumed run: %v (%v)", err, rec.errors())
	}
	local = maildirTruth(t, r.root)
	requireSame(t, server, local, "server", "Maildir")
	checkNoDuplicates(t, local, "Maildir")
	if n := local.count(); n != 150 {
		t.Errorf("%d messages in the Maildir, want 150", n)
	}
	res, _ = r.syncWith(opts)
	if got := sumResult(res); !got.idle() {
		t.Errorf("the run after the resumed one did something: %+v", got)
	}
}
