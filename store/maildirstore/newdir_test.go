package maildirstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// TestUnseenGoesToNew (issue 18): with NewForUnseen, every message
// without \Seen is delivered into new/, whatever its other flags (as
// mbsync and Dovecot do), its flags kept in the name; a message with
// \Seen goes to cur/. A mail reader moving the unseen one to cur/ changes
// no flag the store reports.
func TestUnseenGoesToNew(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	ts.opts.NewForUnseen = true
	ctx := context.Background()
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	cases := []struct {
		flags store.Flags
		sub   string
	}{
		{store.NewFlags(store.Flagged), maildir.SubNew},
		{store.NewFlags(store.Answered, store.Flagged), maildir.SubNew},
		{store.NewFlags(), maildir.SubNew},
		{store.NewFlags(store.Seen, store.Flagged), maildir.SubCur},
	}
	uids := make([]store.UID, len(cases))
	for i, c := range cases {
		body := []byte("Message-ID: <new" + string(rune('a'+i)) + "@test>\r\n\r\nx\r\n")
		uid, err := mb.Append(ctx, store.NewMessage{Body: bytes.NewReader(body), Size: int64(len(body)),
			Flags: c.flags, InternalDate: time.Unix(1700000000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		uids[i] = uid
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cp, err := mb.Changes(ctx, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}}, func(store.ChangeSet) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		f, e := ts.fileOf(t, "INBOX", uids[i])
		if e.Subdir != c.sub {
			t.Errorf("message with %v delivered into %s/, want %s/", c.flags, e.Subdir, c.sub)
		}
		if got := flagsOf(e.Flags(), nil); !got.Equal(c.flags) {
			t.Errorf("file %s shows flags %v, want %v", e.File, got, c.flags)
		}
		if i == 0 {
			// The mail reader shows it: new/ to cur/, name kept.
			if err := os.Rename(e.Path(f), filepath.Join(f.Path(), maildir.SubCur, e.File)); err != nil {
				t.Fatal(err)
			}
		}
	}
	listed := listAll(t, mb, false)
	for i, c := range cases {
		if !listed[uids[i]].Flags.Equal(c.flags) {
			t.Errorf("UID %d lists flags %v, want %v", uids[i], listed[uids[i]].Flags, c.flags)
		}
	}
	changed, vanished, _ := changesSince(t, mb, cp, uids)
	if len(vanished) != 0 {
		t.Errorf("moving a file to cur/ vanished UIDs %v", vanished)
	}
	for u, m := range changed {
		if u != uids[0] || !m.Flags.Equal(cases[0].flags) {
			t.Errorf("after the move to cur/, Changes reports UID %d with %v; want at most UID %d with unchanged flags %v",
				u, m.Flags, uids[0], cases[0].flags)
		}
	}
}
