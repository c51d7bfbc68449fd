package imapstore_test

import (
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/storetest"
)

// BenchmarkList100k lists the metadata (UID FLAGS RFC822.SIZE INTERNALDATE
// MODSEQ) of 100 000 messages from the test Dovecot (issue 6). Seeding by
// bulk delivery and a first listing, in which Dovecot reads every file to
// fill its cache (sizes, dates), happen before the timer starts; the time
// of that cold listing is logged.
func BenchmarkList100k(b *testing.B) {
	benchList(b, 100_000, store.ListOptions{})
}

// BenchmarkList100kMessageID is the same with the Message-ID header.
func BenchmarkList100kMessageID(b *testing.B) {
	benchList(b, 100_000, store.ListOptions{WithMessageID: true})
}

func benchList(b *testing.B, n int, opts store.ListOptions) {
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	start := time.Now()
	srv.DeliverMessages(b, u.Name, "INBOX", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), genMessages("list", n, 400)...)
	b.Logf("seeded %d messages in %v", n, time.Since(start))
	st := dovecotStore(b, srv, u, imapstore.Options{})
	defer st.Close()
	mb, err := st.OpenMailbox(b.Context(), "INBOX")
	if err != nil {
		b.Fatalf("OpenMailbox: %v", err)
	}
	defer mb.Close()
	start = time.Now()
	if err := mb.List(b.Context(), opts, func([]store.Message) error { return nil }); err != nil {
		b.Fatalf("cold List: %v", err)
	}
	b.Logf("cold listing (Dovecot fills its cache): %v", time.Since(start))
	if got := storetest.BenchList(b, mb, opts); got != n {
		b.Fatalf("listed %d messages, want %d", got, n)
	}
}
