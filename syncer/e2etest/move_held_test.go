package e2etest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/syncer"
)

// TestMoveBesideHeldDeletionsIsNoDuplicate: like readersim's
// TestEmptiedRightAfterSync, but with another synchronized mailbox, so
// the vanished messages go through the account's move ledger (identity
// moves) before they become deletions; and one of them is really moved
// by a mail reader into Archive. The guard must still hold the INBOX
// deletions: the server keeps every message.
func TestMoveBesideHeldDeletionsIsNoDuplicate(t *testing.T) {
	for _, withMove := range []bool{false, true} {
		name := "emptied"
		if withMove {
			name = "emptied, one moved"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newMaildirRig(t)
			srv, user := r.srv, r.user.Name
			srv.CreateMailbox(t, user, "Archive")
			g := newGen("oemptied", 49)
			seedMailbox(t, srv, user, "Archive", g, 2, 0)
			msgs := seedMailbox(t, srv, user, "INBOX", g, 70, 0)
			r.sync()
			inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
			if withMove {
				mu4eMove(t, inbox, archive, localByID(t, inbox)[msgs[5].id], "1733320000.M8P8.mu4e-host")
			}
			for _, sub := range []string{"cur", "new"} {
				dir := filepath.Join(r.root, "INBOX", sub)
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					os.Remove(filepath.Join(dir, e.Name()))
				}
			}
			for run := 1; run <= 2; run++ {
				res, _ := r.syncWith(syncer.DefaultOptions())
				var held bool
				for _, m := range res.Mailboxes {
					if m.Mailbox == "INBOX" && (m.Held != nil || m.Err != nil) {
						held = true
					}
				}
				if !held {
					t.Errorf("run %d: INBOX deletions neither refused nor held: %+v", run, sumResult(res))
				}
				after := serverTruth(t, srv, user)
				if n := after.count(); n != 72 {
					t.Errorf("run %d: the server holds %d messages, want 72", run, n)
				}
				if withMove {
					if n := after.messageIDs()[msgs[5].id]; n != 1 {
						t.Fatalf("run %d: the server holds the moved message %d times (INBOX %d, Archive %d), want once",
							run, n, after["INBOX"].copies[msgs[5].id], after["Archive"].copies[msgs[5].id])
					}
				}
			}
		})
	}
}
