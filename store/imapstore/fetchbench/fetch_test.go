package fetchbench_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

const (
	nMessages = 10_000
	msgSize   = 22_000 // 10 000 messages ≈ 220 MB, the DESIGN.md reference mailbox
	flushEach = 1000   // Appends per maildirstore Flush (batched durability)
)

// BenchmarkFetchIntoMaildir fetches 10 000 bodies (≈ 220 MB) from the test
// Dovecot through imapstore.FetchBodies and delivers each into a fresh
// maildirstore (durable per Flush of 1000: an fsync per file), as a first
// sync does.
func BenchmarkFetchIntoMaildir(b *testing.B) { benchIntoMaildir(b, false) }

// BenchmarkFetchIntoMaildirSyncFS is the same with maildirstore's SyncFS
// (one syncfs per Flush instead of an fsync per file).
func BenchmarkFetchIntoMaildirSyncFS(b *testing.B) { benchIntoMaildir(b, true) }

func benchIntoMaildir(b *testing.B, syncFS bool) {
	far, uids, total := seeded(b)
	b.SetBytes(total)
	for b.Loop() {
		b.StopTimer()
		near := newMaildir(b, syncFS)
		b.StartTimer()
		n := copyAll(b, far, near, uids)
		if n != len(uids) {
			b.Fatalf("delivered %d of %d", n, len(uids))
		}
	}
	b.ReportMetric(float64(len(uids))*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFetchDiscard is the fetch alone: the same bodies read into
// io.Discard, for comparison, with several FetchWindow sizes.
func BenchmarkFetchDiscard(b *testing.B) {
	srv, u := seed(b)
	for _, w := range []int64{1 << 20, 4 << 20, 8 << 20, 32 << 20} {
		b.Run(fmt.Sprintf("window=%dMiB", w>>20), func(b *testing.B) {
			far, uids, total := openFar(b, srv, u, w)
			benchDiscard(b, far, uids, total)
		})
	}
}

func benchDiscard(b *testing.B, far store.Mailbox, uids []store.UID, total int64) {
	b.SetBytes(total)
	for b.Loop() {
		n := 0
		if err := far.FetchBodies(b.Context(), uids, func(_ store.Message, r io.Reader) error {
			n++
			_, err := io.Copy(io.Discard, r)
			return err
		}); err != nil || n != len(uids) {
			b.Fatalf("FetchBodies: %d of %d: %v", n, len(uids), err)
		}
	}
	b.ReportMetric(float64(len(uids))*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// copyAll streams the bodies of uids from far into near's INBOX.
func copyAll(b *testing.B, far store.Mailbox, near store.Mailbox, uids []store.UID) int {
	ctx := b.Context()
	n := 0
	err := far.FetchBodies(ctx, uids, func(m store.Message, r io.Reader) error {
		if _, err := near.Append(ctx, store.NewMessage{Flags: m.Flags, InternalDate: m.InternalDate, Size: m.Size, Body: r}); err != nil {
			return err
		}
		n++
		if n%flushEach == 0 {
			return near.Flush(ctx)
		}
		return nil
	})
	if err == nil {
		err = near.Flush(ctx)
	}
	if err != nil {
		b.Fatalf("fetch into maildir after %d: %v", n, err)
	}
	return n
}

// seeded delivers the messages to a fresh Dovecot user and returns the
// open INBOX, its UIDs and their total wire size.
func seeded(b *testing.B) (store.Mailbox, []store.UID, int64) {
	srv, u := seed(b)
	return openFar(b, srv, u, 0)
}

// seed delivers the messages to a fresh Dovecot user.
func seed(b *testing.B) (*testenv.Server, testenv.User) {
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	start := time.Now()
	srv.DeliverMessages(b, u.Name, "INBOX", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), messages(nMessages, msgSize)...)
	b.Logf("seeded %d messages in %v", nMessages, time.Since(start))
	return srv, u
}

// openFar opens u's INBOX through imapstore with the given FetchWindow
// (0: the default) and lists it, which also warms Dovecot's cache.
func openFar(b *testing.B, srv *testenv.Server, u testenv.User, window int64) (store.Mailbox, []store.UID, int64) {
	st, err := imapstore.New(b.Context(), imapstore.Options{FetchWindow: window, Dial: func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.Dial(ctx, srv.IMAPAddr(), &imapclient.Options{InsecurePlaintext: true})
		if err != nil {
			return nil, err
		}
		return c, c.Login(ctx, u.Name, imapclient.SecretString(u.Password))
	}})
	if err != nil {
		b.Fatalf("imapstore.New: %v", err)
	}
	b.Cleanup(func() { st.Close() })
	mb, err := st.OpenMailbox(b.Context(), "INBOX")
	if err != nil {
		b.Fatalf("OpenMailbox: %v", err)
	}
	b.Cleanup(func() { mb.Close() })
	var uids []store.UID
	var total int64
	if err := mb.List(b.Context(), store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			uids = append(uids, m.UID)
			total += m.Size
		}
		return nil
	}); err != nil {
		b.Fatalf("List: %v", err)
	}
	return mb, uids, total
}

// newMaildir returns the INBOX of a fresh maildirstore.
func newMaildir(b *testing.B, syncFS bool) store.Mailbox {
	root := b.TempDir()
	db, err := statedb.Open(context.Background(), statedb.DefaultPath(root), statedb.Options{})
	if err != nil {
		b.Fatalf("statedb.Open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	st, err := maildirstore.New(maildirstore.Options{Root: root, Layout: maildir.LayoutFS, DB: db, SyncFS: syncFS})
	if err != nil {
		b.Fatalf("maildirstore.New: %v", err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := maildir.LayoutFS.Create(root, "INBOX"); err != nil {
		b.Fatalf("create INBOX: %v", err)
	}
	mb, err := st.OpenMailbox(b.Context(), "INBOX")
	if err != nil {
		b.Fatalf("maildirstore OpenMailbox: %v", err)
	}
	b.Cleanup(func() { mb.Close() })
	return mb
}

// messages returns n distinct CRLF messages of about size bytes.
func messages(n, size int) [][]byte {
	out := make([][]byte, n)
	line := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2) + "\r\n"
	for i := range out {
		var b strings.Builder
		b.Grow(size + 200)
		fmt.Fprintf(&b, "From: Bulk <bulk@example.org>\r\nTo: user@example.org\r\nSubject: fetch %d\r\n", i)
		fmt.Fprintf(&b, "Date: Mon, 30 Nov 2026 05:00:00 +0000\r\nMessage-ID: <fetch-%d@bulk.example>\r\n\r\n", i)
		for b.Len() < size {
			b.WriteString(line)
		}
		out[i] = []byte(b.String())
	}
	return out
}
