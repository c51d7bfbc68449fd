package readersim

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
)

// TestMovedBeforeFirstUpload: a message saved in INBOX and seen by one
// sync's scan, then moved by the reader to Drafts before it reached the
// server, must reach the server's Drafts.
func TestMovedBeforeFirstUpload(t *testing.T) {
	s := &sim{t: t, srv: testenv.Dovecot(t), root: t.TempDir(), model: NewModel(), rng: newRand(3)}
	s.user = s.srv.NewUser(t)
	s.srv.CreateMailbox(t, s.user.Name, "Drafts")
	s.open()
	defer s.close()
	s.sync(false)
	inbox, err := maildir.LayoutFS.Open(s.root, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	text := Message("<moved@readersim>", "composed", 2)
	s.model.Created("<moved@readersim>", text)
	e, err := inbox.Deliver(context.Background(), bytesReader(text), maildir.DeliverOptions{Flags: maildir.ParseFlags("S")})
	if err != nil {
		t.Fatal(err)
	}
	// The near store indexes it (a scan) without the engine copying it:
	// open and close the mailbox, as an interrupted run would have.
	mb, err := s.near.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	mb.Close()
	if err := os.Rename(e.Path(inbox), filepath.Join(s.root, "Drafts", "cur", e.File)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3 && !s.sync(false); i++ {
	}
	near, err := ReadMaildir(context.Background(), s.root)
	if err != nil {
		t.Fatal(err)
	}
	if r := Compare(s.model, s.farSide(), near); !r.OK() {
		s.explainLost(near)
		t.Fatalf("%v\n%s", r, detailHead(r))
	}
}
