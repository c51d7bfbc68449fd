package imapstore_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/storetest"
)

// genMessages returns n distinct CRLF messages of about size bytes each.
func genMessages(prefix string, n, size int) [][]byte {
	out := make([][]byte, n)
	line := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz ", 2) + "\r\n"
	for i := range out {
		var b strings.Builder
		fmt.Fprintf(&b, "From: Bulk <bulk@example.org>\r\nTo: user@example.org\r\nSubject: %s %d\r\n", prefix, i)
		fmt.Fprintf(&b, "Date: Mon, 30 Nov 2026 05:00:00 +0000\r\nMessage-ID: <%s-%d@bulk.example>\r\n\r\n", prefix, i)
		for b.Len() < size {
			b.WriteString(line)
		}
		out[i] = []byte(b.String())
	}
	return out
}

// TestChangesWireCost is issue 6's acceptance check: after another
// connection (doveadm) changes the flags of 50 of 10 000 messages and
// expunges 10, Changes reports exactly those, and the bytes on the wire are
// in proportion to the changes, not to the mailbox — with QRESYNC and on
// the CONDSTORE-only path (Gmail's).
func TestChangesWireCost(t *testing.T) {
	srv := testenv.Dovecot(t)
	for _, c := range []struct {
		name     string
		disabled []imap.Cap
	}{{"QRESYNC", nil}, {"CONDSTORE", []imap.Cap{imap.CapQResync}}} {
		t.Run(c.name, func(t *testing.T) { checkChangesWireCost(t, srv, c.disabled) })
	}
}

func checkChangesWireCost(t *testing.T, srv *testenv.Server, disabled []imap.Cap) {
	const total = 10000
	u := srv.NewUser(t)
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), genMessages("wire", total, 300)...)
	cnt := new(counter)
	st := serverStore(t, srv, u, imapstore.Options{Dial: dialer(srv.IMAPAddr(), u.Name, u.Password, cnt), DisableCaps: disabled})
	defer st.Close()
	mb, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatalf("OpenMailbox: %v", err)
	}
	defer mb.Close()
	before := cnt.read.Load() + cnt.written.Load()
	first, all := changesSince(t, mb, store.Checkpoint{UIDValidity: mb.Status().UIDValidity}, nil)
	fullBytes := cnt.read.Load() + cnt.written.Load() - before
	if len(all.changed) != total {
		t.Fatalf("first Changes reported %d messages, want %d", len(all.changed), total)
	}

	var flagged, expunged []store.UID
	for i := 0; i < total; i += total / 50 {
		flagged = append(flagged, store.UID(uids[i]))
	}
	for i := 7; i < total; i += total / 10 {
		expunged = append(expunged, store.UID(uids[i]))
	}
	srv.Doveadm(t, "flags", "add", "-u", u.Name, `\Flagged $Work`, "mailbox", "INBOX", "uid", uidSetString(flagged))
	srv.Expunge(t, u.Name, "INBOX", toUint32(expunged)...)

	var known []store.UID
	if slices.Contains(disabled, imap.CapQResync) {
		known = toStoreUIDs(uids)
	}
	before = cnt.read.Load() + cnt.written.Load()
	_, got := changesSince(t, mb, first, known)
	wire := cnt.read.Load() + cnt.written.Load() - before
	if fmt.Sprint(got.changedUIDs()) != fmt.Sprint(flagged) {
		t.Errorf("changed %v, want the %d flagged %v", got.changedUIDs(), len(flagged), flagged)
	}
	if fmt.Sprint(got.vanished) != fmt.Sprint(expunged) {
		t.Errorf("vanished %v, want %v", got.vanished, expunged)
	}
	for _, m := range got.changed {
		if !m.Flags.Has(store.Flagged) || !m.Flags.Has("$Work") {
			t.Errorf("uid %d reported with flags %v, want \\Flagged $Work", m.UID, m.Flags)
		}
	}
	t.Logf("wire bytes: %d for 50 changed + 10 vanished of %d; %d for the first (full) Changes", wire, total, fullBytes)
	if perChange := wire / 60; perChange > 400 || wire*20 > fullBytes {
		t.Errorf("Changes moved %d bytes (%d per change; the full listing took %d): not O(changes)", wire, perChange, fullBytes)
	}
}

// reported gathers what Changes streamed.
type reported struct {
	changed  []store.Message
	vanished []store.UID
}

func (r reported) changedUIDs() []store.UID {
	out := make([]store.UID, len(r.changed))
	for i, m := range r.changed {
		out[i] = m.UID
	}
	slices.Sort(out)
	return out
}

func changesSince(t *testing.T, mb store.Mailbox, cp store.Checkpoint, known []store.UID) (store.Checkpoint, reported) {
	t.Helper()
	req := store.ChangesRequest{Since: cp}
	if known != nil {
		req.Known = slices.Values(known)
	}
	var r reported
	next, err := mb.Changes(t.Context(), req, func(cs store.ChangeSet) error {
		for _, m := range cs.Changed {
			m.Flags = slices.Clone(m.Flags)
			r.changed = append(r.changed, m)
		}
		r.vanished = append(r.vanished, cs.Vanished...)
		return nil
	})
	if err != nil {
		t.Fatalf("Changes since %+v: %v", cp, err)
	}
	slices.Sort(r.vanished)
	return next, r
}

func uidSetString(uids []store.UID) string {
	return imap.UIDSetOf(toIMAPUIDs(uids)...).String()
}

func toIMAPUIDs(uids []store.UID) []imap.UID {
	out := make([]imap.UID, len(uids))
	for i, u := range uids {
		out[i] = imap.UID(u)
	}
	return out
}

func toUint32(uids []store.UID) []uint32 {
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = uint32(u)
	}
	return out
}

func toStoreUIDs(uids []uint32) []store.UID {
	out := make([]store.UID, len(uids))
	for i, u := range uids {
		out[i] = store.UID(u)
	}
	return out
}

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
	st := serverStore(b, srv, u, imapstore.Options{})
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

// TestFetchPipelined fetches 600 bodies in a shuffled order with a window
// so small that every batch is a few messages and two commands are always
// in flight (Dovecot runs pipelined FETCHes in parallel and interleaves
// their responses): every body arrives once, byte for byte, in the order
// asked, and the expunged ones are skipped.
func TestFetchPipelined(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	raws := genMessages("pipe", 600, 3000)
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Time{}, raws...)
	byUID := make(map[store.UID][]byte)
	for i, uid := range uids {
		byUID[store.UID(uid)] = raws[i]
	}
	gone := []uint32{uids[10], uids[300], uids[599]}
	srv.Expunge(t, u.Name, "INBOX", gone...)
	st := serverStore(t, srv, u, imapstore.Options{FetchWindow: 16 << 10})
	defer st.Close()
	mb, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	ask := toStoreUIDs(uids)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(ask), func(i, j int) { ask[i], ask[j] = ask[j], ask[i] })
	var got []store.UID
	err = mb.FetchBodies(t.Context(), ask, func(m store.Message, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if !bytes.Equal(b, byUID[m.UID]) {
			t.Errorf("uid %d: %d bytes differ from the %d delivered", m.UID, len(b), len(byUID[m.UID]))
		}
		got = append(got, m.UID)
		return nil
	})
	if err != nil {
		t.Fatalf("FetchBodies: %v", err)
	}
	want := slices.DeleteFunc(slices.Clone(ask), func(u store.UID) bool { return slices.Contains(gone, uint32(u)) })
	if !slices.Equal(got, want) {
		t.Errorf("delivered %d bodies, want %d in the order asked", len(got), len(want))
	}
}

// BenchmarkChanges50k measures the resync of a 50 000-message mailbox as
// the engine does it: OpenMailbox, Changes since the last checkpoint,
// Close — with no change, and with 1 % of the flags changed by another
// client (doveadm, outside the timer) before each round.
func BenchmarkChanges50k(b *testing.B) {
	const n = 50_000
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	uids := srv.DeliverMessages(b, u.Name, "INBOX", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), genMessages("chg", n, 400)...)
	st := serverStore(b, srv, u, imapstore.Options{})
	defer st.Close()
	cp := resync(b, st, store.Checkpoint{}, -1)
	for _, pct := range []int{0, 1} {
		b.Run(fmt.Sprintf("changed=%d%%", pct), func(b *testing.B) {
			round := 0
			for b.Loop() {
				b.StopTimer()
				var set []store.UID
				for i := round % 100; pct > 0 && i < n; i += 100 / pct {
					set = append(set, store.UID(uids[i]))
				}
				if len(set) > 0 {
					srv.Doveadm(b, "flags", "add", "-u", u.Name, fmt.Sprintf("$Round%d", round), "mailbox", "INBOX", "uid", uidSetString(set))
				}
				round++
				b.StartTimer()
				cp = resync(b, st, cp, len(set))
			}
		})
	}
}

// resync opens INBOX, asks for the changes since cp (from the beginning
// when cp is zero), checks their count (unless want is -1), closes it and
// returns the new checkpoint.
func resync(b *testing.B, st store.Store, cp store.Checkpoint, want int) store.Checkpoint {
	mb, err := st.OpenMailbox(b.Context(), "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	defer mb.Close()
	if cp.UIDValidity == 0 {
		cp.UIDValidity = mb.Status().UIDValidity
	}
	changed := 0
	next, err := mb.Changes(b.Context(), store.ChangesRequest{Since: cp}, func(cs store.ChangeSet) error {
		changed += len(cs.Changed)
		return nil
	})
	if err != nil || (want >= 0 && changed != want) {
		b.Fatalf("Changes: %d changed, want %d: %v", changed, want, err)
	}
	return next
}
