package readersim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
)

// TestDraftSavedSameSize: a draft synced to the server is saved again by
// an editor with a new text of the same size (and the same Message-ID).
// The server must end with the new text, once: an edited message is a
// new message replacing the old one, even when its identity (Message-ID
// and size) is unchanged.
func TestDraftSavedSameSize(t *testing.T) {
	s := &sim{t: t, srv: testenv.Dovecot(t), root: t.TempDir(), model: NewModel(), rng: newRand(5)}
	s.user = s.srv.NewUser(t)
	s.srv.CreateMailbox(t, s.user.Name, "Drafts")
	s.open()
	defer s.close()
	s.sync(false)
	f, err := maildir.LayoutFS.Open(s.root, "Drafts")
	if err != nil {
		t.Fatal(err)
	}
	first := Message("<draft@readersim>", "draft version 1", 3)
	e, err := f.Deliver(context.Background(), bytes.NewReader(first), maildir.DeliverOptions{Flags: maildir.ParseFlags("D")})
	if err != nil {
		t.Fatal(err)
	}
	s.model.Created("<draft@readersim>", first)
	s.sync(false)
	second := Message("<draft@readersim>", "draft version 2", 3)
	if len(second) != len(first) {
		t.Fatalf("test texts differ in size")
	}
	tmp := filepath.Join(f.Path(), "tmp", "editor-save")
	if err := os.WriteFile(tmp, second, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, e.Path(f)); err != nil {
		t.Fatal(err)
	}
	s.model.Created("<draft@readersim>", second)
	for i := 0; i < 3 && !s.sync(false); i++ {
	}
	near, err := ReadMaildir(context.Background(), s.root)
	if err != nil {
		t.Fatal(err)
	}
	if r := Compare(s.model, s.farSide(), near); !r.OK() {
		t.Fatalf("%v\n%s", r, detailHead(r))
	}
}
