package e2etest

import (
	"context"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/syncer"
)

// TestMoveBetweenDirtyMailboxesIsAMove: the watch daemon syncs the
// mailboxes a mail reader made dirty (SyncMailboxes). A message moved
// from INBOX to Archive under a new name, both mailboxes dirty, is a UID
// MOVE on the server: no APPEND, the server keyword kept.
func TestMoveBetweenDirtyMailboxesIsAMove(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Archive")
	msgs := seedMailbox(t, srv, user, "INBOX", newGen("dirtymove", 18), 6, 0)
	moved := msgs[2]
	addFlags(t, srv, user, "INBOX", `\Seen todo`, moved.uid)
	r.sync()
	before := serverTruth(t, srv, user)

	inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
	mu4eMove(t, inbox, archive, localByID(t, inbox)[moved.id], "1733320000.M9P9.mu4e-host")
	r.farWire.reset()
	res, err := r.engine(syncer.DefaultOptions(), newRecorder()).SyncMailboxes(context.Background(), []string{"Archive", "INBOX"})
	if err != nil || res.Err() != nil {
		t.Fatalf("SyncMailboxes: %v %v", err, res.Err())
	}
	if len(res.Mailboxes) != 2 {
		t.Fatalf("reports %+v, want one per mailbox", res.Mailboxes)
	}
	if n := r.farWire.appends.Load(); n != 0 {
		t.Errorf("the move sent %d APPENDs to the server, want 0 (a UID MOVE)\n%s", n, r.farWire.commands())
	}
	after := serverTruth(t, srv, user)
	if after.count() != before.count() || after["Archive"].copies[moved.id] != 1 || after["INBOX"].copies[moved.id] != 0 {
		t.Fatalf("server after the move: %d messages (%d before), moved one %d times in Archive, %d in INBOX",
			after.count(), before.count(), after["Archive"].copies[moved.id], after["INBOX"].copies[moved.id])
	}
	if fl := after["Archive"].msgs[moved.id].flags; !strings.Contains(fl, "todo") {
		t.Errorf("the moved message's server flags are [%s], want the keyword todo kept", fl)
	}
	requireSame(t, serverTruth(t, srv, user), maildirTruth(t, r.root), "server", "Maildir")
}
