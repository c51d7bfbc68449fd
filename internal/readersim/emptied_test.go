package readersim

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/syncer"
)

// TestEmptiedRightAfterSync: the user empties a folder (more messages
// than the deletion guard's count) right after the first sync filled it:
// the folder is then exactly as that sync's scan recorded it (empty). Every later run must refuse or
// hold the deletions and say so — never report "no changes" — and the
// server must keep every message.
func TestEmptiedRightAfterSync(t *testing.T) {
	const n = 60 // above the guard's count (50)
	s := &sim{t: t, srv: testenv.Dovecot(t), root: t.TempDir(), model: NewModel(), rng: newRand(9)}
	s.user = s.srv.NewUser(t)
	s.deliverFar("INBOX", n)
	s.open()
	defer s.close()
	s.sync(false) // the first sync: it fills the folder it found empty
	for _, sub := range []string{"cur", "new"} {
		dir := filepath.Join(s.root, "INBOX", sub)
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	for run := 1; run <= 3; run++ {
		res := s.run(syncer.DefaultOptions())
		inbox := res.Mailboxes[0]
		for _, m := range res.Mailboxes {
			if m.Mailbox == "INBOX" {
				inbox = m
			}
		}
		if inbox.Err == nil && inbox.Held == nil {
			t.Fatalf("run %d after emptying INBOX: %+v, want the deletions refused or held", run, inbox)
		}
		if got := len(s.srv.Fetch(t, s.user.Name, "INBOX", "uid")); got != n {
			t.Fatalf("run %d: the server's INBOX holds %d messages, want %d", run, got, n)
		}
	}
}
