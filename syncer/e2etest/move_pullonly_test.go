package e2etest

import (
	"testing"

	"github.com/imapdir/imapdir/syncer"
)

// TestReaderMoveIntoPullOnlyMailboxLeavesServerArchive: Archive is pull-only (per-mailbox
// sync = "pull"), INBOX two-way. A mail reader moves a message from INBOX
// into Archive under a new name. Archive's pull-only setting says no
// local change in Archive is pushed; the server's Archive must not
// change. Whatever the engine decides, the message must not vanish from
// the server altogether while the user still holds it.
func TestReaderMoveIntoPullOnlyMailboxLeavesServerArchive(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Archive")
	msgs := seedMailbox(t, srv, user, "INBOX", newGen("opullmove", 42), 4, 0)
	r.sync()
	inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
	mu4eMove(t, inbox, archive, localByID(t, inbox)[msgs[1].id], "1733320000.M1P1.mu4e-host")
	opts := syncer.DefaultOptions()
	opts.ForMailbox = func(name string) syncer.PlanOptions {
		o := opts.PlanOptions
		if name == "Archive" {
			o.Sync = syncer.Direction{Pull: syncer.SyncAll}
		}
		return o
	}
	res, _ := r.syncWith(opts)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	after := serverTruth(t, srv, user)
	if n := after.messageIDs()[msgs[1].id]; n != 1 {
		t.Errorf("the server holds the moved message %d times, want 1", n)
	}
	if after["Archive"] != nil && after["Archive"].copies[msgs[1].id] != 0 {
		t.Errorf("the pull-only Archive was changed on the server: the moved message is there")
	}
	// The next run changes nothing: the server keeps the message in INBOX
	// once, and it is not brought back into the local INBOX.
	res, _ = r.syncWith(opts)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if n := serverTruth(t, srv, user).messageIDs()[msgs[1].id]; n != 1 {
		t.Errorf("second run: the server holds the moved message %d times, want 1", n)
	}
	if _, ok := localByID(t, inbox)[msgs[1].id]; ok {
		t.Errorf("second run: the moved message came back into the local INBOX")
	}
	if s := sumResult(res); s.New != [2]int{} || s.Deleted != [2]int{} || s.Moved != [2]int{} {
		t.Errorf("second run was not idle: %+v", s)
	}
}

// TestReaderMoveOutOfPullOnlyMailboxLeavesServerArchive: Archive is pull-only. The reader
// moves a message from Archive to INBOX under a new name. The server's
// Archive must not change (nothing pushed from Archive); the message
// must not be lost anywhere.
func TestReaderMoveOutOfPullOnlyMailboxLeavesServerArchive(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Archive")
	g := newGen("opullout", 51)
	arch := seedMailbox(t, srv, user, "Archive", g, 3, 0)
	seedMailbox(t, srv, user, "INBOX", g, 2, 0)
	r.sync()
	inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
	mu4eMove(t, archive, inbox, localByID(t, archive)[arch[1].id], "1733320000.M10P10.mu4e-host")
	opts := syncer.DefaultOptions()
	opts.ForMailbox = func(name string) syncer.PlanOptions {
		o := opts.PlanOptions
		if name == "Archive" {
			o.Sync = syncer.Direction{Pull: syncer.SyncAll}
		}
		return o
	}
	res, rec := r.syncWith(opts)
	t.Logf("%+v errors %q warnings %q", sumResult(res), rec.errors(), rec.warnings())
	after := serverTruth(t, srv, user)
	if after["Archive"].copies[arch[1].id] != 1 {
		t.Errorf("the pull-only Archive on the server lost the message the reader moved out locally")
	}
}
