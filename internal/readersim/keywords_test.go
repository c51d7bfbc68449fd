package readersim

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/syncer"
)

// TestMoreThan26Keywords: a server mailbox uses 28 distinct keywords,
// more than Dovecot's Maildir letters a–z. Every message is delivered;
// the two keywords without a letter are kept in the state (the Maildir
// store lists them), nothing is removed on the server, and the next run
// has nothing to do.
func TestMoreThan26Keywords(t *testing.T) {
	const n = 30
	s := &sim{t: t, srv: testenv.Dovecot(t), root: t.TempDir(), model: NewModel(), rng: newRand(14)}
	s.user = s.srv.NewUser(t)
	s.deliverFar("INBOX", n)
	for i := 1; i <= 28; i++ {
		s.srv.AddFlags(t, s.user.Name, "INBOX", uint32(i), fmt.Sprintf("kw%02d", i))
	}
	s.open()
	defer s.close()
	if res := s.run(syncer.DefaultOptions()); res.Err() != nil {
		t.Fatalf("first sync: %v", res.Err())
	}
	near, err := ReadMaildir(context.Background(), s.root)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(near); got != n {
		t.Fatalf("the Maildir holds %d messages, want %d", got, n)
	}
	if !s.sync(false) {
		t.Errorf("the run after the first one was not idle")
	}
	for i := 1; i <= 28; i++ {
		want := fmt.Sprintf("kw%02d", i)
		if got := s.srv.MessageFlags(t, s.user.Name, "INBOX", uint32(i)); !slices.Contains(got, want) {
			t.Errorf("server message %d has %v, want %s kept", i, got, want)
		}
	}
	mb, err := s.near.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	seen := map[string]bool{}
	err = mb.List(context.Background(), store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			for _, f := range m.Flags {
				seen[string(f)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 28; i++ {
		if kw := fmt.Sprintf("kw%02d", i); !seen[kw] {
			t.Errorf("the Maildir store lists no message with %s", kw)
		}
	}
}
