package imapstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/storetest"
)

// courierConfig makes the test Dovecot look like Courier or Cyrus: every
// mailbox under the personal prefix "INBOX." with "." as the delimiter.
const courierConfig = `
namespace inbox {
  separator = .
  prefix = INBOX.
}
`

// courier starts a private Dovecot with courierConfig.
func courier(t *testing.T) *testenv.Server {
	t.Helper()
	srv, err := testenv.Start(context.Background(), testenv.Options{ExtraConfig: courierConfig})
	if err != nil {
		t.Fatalf("starting a Dovecot with the INBOX. prefix: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv
}

// TestPrefixServer: on an "INBOX."-prefixed server the neutral names are
// mapped under the prefix (the harness's doveadm helpers are not, so the
// suite's changes behind go through a second mailbox), and the names the
// server shows are the prefixed ones.
func TestPrefixServer(t *testing.T) {
	srv := courier(t)
	h := storetest.Harness{New: func(t *testing.T) store.Store { return serverStore(t, srv, srv.NewUser(t), imapstore.Options{}) }}
	storetest.Run(t, h)

	u := srv.NewUser(t)
	st := serverStore(t, srv, u, imapstore.Options{})
	defer st.Close()
	for _, name := range []string{"Archive/2024", "Sent"} {
		if err := st.CreateMailbox(t.Context(), name, ""); err != nil {
			t.Fatalf("CreateMailbox(%q): %v", name, err)
		}
	}
	onServer := srv.ListMailboxes(t, u.Name)
	for _, want := range []string{"INBOX.Archive.2024", "INBOX.Sent"} {
		if !slices.Contains(onServer, want) {
			t.Errorf("server lists %q, want %q among them", onServer, want)
		}
	}
	infos, err := st.ListMailboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mi := range infos {
		names = append(names, mi.Name)
		if mi.Name == "Sent" && mi.SpecialUse != `\Sent` {
			t.Errorf("Sent listed with special use %q, want \\Sent", mi.SpecialUse)
		}
	}
	slices.Sort(names)
	if want := []string{"Archive", "Archive/2024", "INBOX", "Sent"}; !slices.Equal(names, want) {
		t.Errorf("neutral names %q, want %q", names, want)
	}
}
