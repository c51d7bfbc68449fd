package storetest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imapdir/imapdir/store"
)

// oddBody is a message that stores get wrong when they are not byte-exact.
// Every one is valid wire form (CRLF only), so it must survive a Maildir
// store's LF conversion both ways.
type oddBody struct {
	name string
	body []byte
}

func oddBodies() []oddBody {
	long := strings.Repeat("x", 20000)
	var mb strings.Builder
	for mb.Len() < 1<<20 {
		fmt.Fprintf(&mb, "%07d %s\r\n", mb.Len(), strings.Repeat("abcdefghij", 7))
	}
	return []oddBody{
		{"plain", mail("odd-plain", "Hello.\r\n")},
		{"8bit", mail("odd-8bit", "Grüße aus Köln, 日本語, raw Latin-1: \xe4\xf6\xfc\r\n")},
		{"empty body", mail("odd-empty", "")},
		{"no final newline", mail("odd-nonl", "last line without CRLF")},
		{"8bit header", append([]byte("Subject: Grüße aus Köln\r\nFrom: Jörg <j@example.org>\r\n"), mail("odd-8bithdr", "body\r\n")...)},
		{"long line", mail("odd-long", long+"\r\n")},
		{"dots and From", mail("odd-dots", ".\r\n..leading dots\r\nFrom the start\r\n>From quoted\r\n.\r\n")},
		{"blank lines and spaces", mail("odd-space", "\r\n\r\n  \r\n\tTab line \r\n\r\n")},
		{"folded header", []byte("Subject: a long\r\n subject folded\r\n\tover lines\r\nMessage-ID:\r\n <odd-folded@storetest.example>\r\n\r\nbody\r\n")},
		{"1 MB", mail("odd-1mb", mb.String())},
	}
}

// testRoundTrip: what is appended is listed with its wire size, flags,
// date and Message-ID, and fetched back byte for byte; UIDs ascend.
func testRoundTrip(f *fixture) {
	mb := f.open("INBOX")
	bodies := oddBodies()
	zone := time.FixedZone("CET", 3600)
	uids := make([]store.UID, len(bodies))
	for i, ob := range bodies {
		date := baseDate.In(zone).Add(time.Duration(i) * time.Hour)
		uids[i] = f.append(mb, ob.body, store.Flags{store.Seen}, date)
		if i > 0 && uids[i] <= uids[i-1] {
			f.t.Errorf("%s: UID %d not above previous %d", ob.name, uids[i], uids[i-1])
		}
	}
	listed := byUID(f.list(mb, store.ListOptions{WithMessageID: true}))
	got, _ := f.bodies(mb, uids)
	for i, ob := range bodies {
		m, ok := listed[uids[i]]
		if !ok {
			f.t.Errorf("%s: uid %d not listed", ob.name, uids[i])
			continue
		}
		want := f.stored(ob.body)
		if m.Size != int64(len(want)) {
			f.t.Errorf("%s: size %d, want wire size %d", ob.name, m.Size, len(want))
		}
		if want := baseDate.Add(time.Duration(i) * time.Hour); m.InternalDate.Unix() != want.Unix() {
			f.t.Errorf("%s: internal date %v, want %v", ob.name, m.InternalDate, want)
		}
		if !m.Flags.Equal(store.Flags{store.Seen}) {
			f.t.Errorf("%s: flags %v, want [\\Seen]", ob.name, m.Flags)
		}
		if want := headerID(ob.body); m.MessageID != want {
			f.t.Errorf("%s: Message-ID %q, want %q", ob.name, m.MessageID, want)
		}
		if !bytes.Equal(got[uids[i]], want) {
			f.t.Errorf("%s: fetched %d bytes differ from the %d stored", ob.name, len(got[uids[i]]), len(want))
		}
	}
	if st := mb.Status(); st.Messages != len(bodies) || st.UIDNext <= uids[len(uids)-1] || st.UIDValidity == 0 {
		f.t.Errorf("Status after listing = %+v, want %d messages, UIDNext > %d, UIDVALIDITY set", st, len(bodies), uids[len(uids)-1])
	}
}

// headerID is the id of oddBodies' messages.
func headerID(body []byte) string {
	if id := headerMessageID(body); id != "" {
		return id
	}
	return "odd-folded@storetest.example"
}

// testFetch: bodies come in the order asked, vanished UIDs are skipped,
// and a reader left half-read does no harm.
func testFetch(f *fixture) {
	mb := f.open("INBOX")
	uids := f.appendN(mb, "fetch", 4)
	missing := uids[3] + 100
	ask := []store.UID{uids[2], missing, uids[0], uids[3]}
	_, order := f.bodies(mb, ask)
	if fmt.Sprint(order) != fmt.Sprint([]store.UID{uids[2], uids[0], uids[3]}) {
		f.t.Errorf("FetchBodies(%v) delivered %v: want the given order without the missing UID", ask, order)
	}
	n := 0
	err := mb.FetchBodies(f.ctx, uids, func(m store.Message, r io.Reader) error {
		n++
		_, err := r.Read(make([]byte, 10))
		return err
	})
	if err != nil || n != len(uids) {
		f.t.Fatalf("FetchBodies with partial reads: %v after %d of %d", err, n, len(uids))
	}
	got, _ := f.bodies(mb, uids[1:2])
	if want := mail("fetch-1", "body of fetch-1\r\n"); !bytes.Equal(got[uids[1]], want) {
		f.t.Errorf("body after partial reads = %q, want %q", got[uids[1]], want)
	}
	sentinel := fmt.Errorf("stop here")
	if err := mb.FetchBodies(f.ctx, uids, func(store.Message, io.Reader) error { return sentinel }); err == nil {
		f.t.Errorf("FetchBodies swallowed the callback's error")
	}
}

// testFlags: system flags and (with Keywords) keywords are stored,
// updated exactly on the given UIDs, compared case-insensitively.
func testFlags(f *fixture) {
	mb := f.open("INBOX")
	initial := store.NewFlags(store.Seen, store.Flagged, store.Forwarded, "work")
	uids := make([]store.UID, 3)
	for i := range uids {
		uids[i] = f.append(mb, mail(fmt.Sprintf("flags-%d", i), "x\r\n"), initial, baseDate)
	}
	system := store.NewFlags(store.Seen, store.Flagged)
	checkFlags(f, mb, uids[0], initial, system)
	conflicts, err := mb.UpdateFlags(f.ctx, store.FlagChange{
		UIDs: uids[:2], Add: store.Flags{`\answered`, store.Draft, "project-x"}, Remove: store.Flags{`\SEEN`, "Work"},
	})
	if err != nil || len(conflicts) != 0 {
		f.t.Fatalf("UpdateFlags: conflicts %v, err %v", conflicts, err)
	}
	want := store.NewFlags(store.Flagged, store.Answered, store.Draft, store.Forwarded, "project-x")
	for _, uid := range uids[:2] {
		checkFlags(f, mb, uid, want, store.NewFlags(store.Flagged, store.Answered, store.Draft))
	}
	checkFlags(f, mb, uids[2], initial, system)
	if _, err := mb.UpdateFlags(f.ctx, store.FlagChange{UIDs: uids[2:], Add: store.Flags{store.Deleted}}); err != nil {
		f.t.Fatalf("UpdateFlags \\Deleted: %v", err)
	}
	checkFlags(f, mb, uids[2], initial.Union(store.Flags{store.Deleted}), system.Union(store.Flags{store.Deleted}))
	if n := len(f.list(mb, store.ListOptions{})); n != 3 {
		f.t.Errorf("\\Deleted expunged something: %d messages left, want 3", n)
	}
}

// checkFlags compares uid's flags with all (Keywords) or with the system
// flags only (keywords may or may not be kept without Keywords).
func checkFlags(f *fixture, mb store.Mailbox, uid store.UID, all, system store.Flags) {
	f.t.Helper()
	m, ok := byUID(f.list(mb, store.ListOptions{}))[uid]
	if !ok {
		f.t.Fatalf("uid %d not listed", uid)
	}
	if f.feat.Keywords {
		if !m.Flags.Equal(all) {
			f.t.Errorf("uid %d flags %s, want %s", uid, flagsString(m.Flags), flagsString(all))
		}
		return
	}
	var sys []store.Flag
	for _, fl := range m.Flags {
		if fl.IsSystem() {
			sys = append(sys, fl)
		}
	}
	if !store.NewFlags(sys...).Equal(system) {
		f.t.Errorf("uid %d system flags %s, want %s", uid, flagsString(m.Flags), flagsString(system))
	}
}

// testExpunge removes exactly the given UIDs.
func testExpunge(f *fixture) {
	mb := f.open("INBOX")
	uids := f.appendN(mb, "expunge", 5)
	if err := mb.Expunge(f.ctx, []store.UID{uids[1], uids[3], uids[4] + 50}); err != nil {
		f.t.Fatalf("Expunge: %v", err)
	}
	left := uidsOf(f.list(mb, store.ListOptions{}))
	if want := []store.UID{uids[0], uids[2], uids[4]}; fmt.Sprint(left) != fmt.Sprint(want) {
		f.t.Fatalf("after Expunge: %v, want %v", left, want)
	}
	if mb.Status().Messages != 3 {
		f.t.Errorf("Status().Messages = %d after listing, want 3", mb.Status().Messages)
	}
	got, _ := f.bodies(mb, uids)
	if len(got) != 3 || !bytes.Equal(got[uids[2]], mail("expunge-2", "body of expunge-2\r\n")) {
		f.t.Errorf("bodies after Expunge: %d fetched, or the survivor changed", len(got))
	}
	if err := mb.Expunge(f.ctx, nil); err != nil {
		f.t.Errorf("Expunge(nil): %v", err)
	}
	if n := len(f.list(mb, store.ListOptions{})); n != 3 {
		f.t.Errorf("Expunge(nil) removed messages: %d left", n)
	}
}
