package e2etest

import (
	"os"
	"testing"
)

// TestMoveNotMatchedToATwinOfTheSameIdentity: two different messages share a
// Message-ID and a size (a list message and the same post with another
// footer of the same length; a draft and its sent copy), A in one folder
// and B in Work, both synchronized. The user deletes A and a mail reader
// moves B from Work to Archive under a new name. The ledger pairs the
// move-in (B's text) with either move-out by identity; paired with A, the
// server moves A's text into Archive and deletes B's: B's text is gone
// from the server, and the server's Archive holds a text the Maildir's
// does not.
func TestMoveNotMatchedToATwinOfTheSameIdentity(t *testing.T) {
	for _, other := range []string{"INBOX", "Zoo"} {
		t.Run(other, func(t *testing.T) {
			t.Parallel()
			r := newMaildirRig(t)
			srv, user := r.srv, r.user.Name
			for _, m := range []string{"Work", "Archive", "Zoo"} {
				srv.CreateMailbox(t, user, m)
			}
			g := newGen("otwin-"+other, 48)
			a := g.next(0)
			b := flipBodyByte(t, a)
			srv.DeliverMessages(t, user, other, seedDate, a)
			srv.DeliverMessages(t, user, "Work", seedDate, b)
			seedMailbox(t, srv, user, "Archive", g, 2, 0)
			r.reopen() // a listing the store took at open predates the mailboxes
			r.sync()
			id := messageID(a)
			of, work, archive := localFolder(t, r.root, other), localFolder(t, r.root, "Work"), localFolder(t, r.root, "Archive")
			if err := os.Remove(localByID(t, of)[id].Path(of)); err != nil {
				t.Fatal(err)
			}
			mu4eMove(t, work, archive, localByID(t, work)[id], "1733320000.M7P7.mu4e-host")
			r.sync()
			r.sync()
			requireSame(t, serverTruth(t, srv, user), maildirTruth(t, r.root), "server", "Maildir")
		})
	}
}
