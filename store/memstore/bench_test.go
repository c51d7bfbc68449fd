package memstore_test

import (
	"fmt"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
	"github.com/imapdir/imapdir/store/storetest"
)

// seeded returns a store whose INBOX holds n small messages.
func seeded(b *testing.B, n int) (*memstore.Store, store.Mailbox) {
	b.Helper()
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	for i := range n {
		if _, err := s.Seed("INBOX", msg(fmt.Sprint(i)), store.Flags{store.Seen}, date); err != nil {
			b.Fatal(err)
		}
	}
	mb, err := s.OpenMailbox(b.Context(), "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mb.Close() })
	return s, mb
}

// BenchmarkList100k lists 100 000 messages' metadata.
func BenchmarkList100k(b *testing.B) {
	_, mb := seeded(b, 100_000)
	if n := storetest.BenchList(b, mb, store.ListOptions{}); n != 100_000 {
		b.Fatalf("listed %d", n)
	}
}

// BenchmarkChangesNoChange100k asks a 100 000-message mailbox what changed
// since its current checkpoint (the no-change resync).
func BenchmarkChangesNoChange100k(b *testing.B) {
	_, mb := seeded(b, 100_000)
	cp, err := mb.Changes(b.Context(), store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}}, func(store.ChangeSet) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := mb.Changes(b.Context(), store.ChangesRequest{Since: cp}, func(cs store.ChangeSet) error {
			b.Fatalf("unexpected changes %+v", cs)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
