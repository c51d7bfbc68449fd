package maildirstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// readerDeliver drops a message into mailbox's new/ as an MDA does and
// returns its entry.
func (ts *testStore) readerDeliver(t *testing.T, mailbox, body string) (*maildir.Folder, maildir.Entry) {
	t.Helper()
	f, err := ts.opts.Layout.Open(ts.root, mailbox)
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.Deliver(context.Background(), strings.NewReader(body), maildir.DeliverOptions{New: true})
	if err != nil {
		t.Fatal(err)
	}
	return f, e
}

// readerToCur moves a file from new/ to cur/ as a mail reader does when
// it shows the message (same unique name, empty info).
func readerToCur(t *testing.T, f *maildir.Folder, e maildir.Entry) {
	t.Helper()
	to := filepath.Join(f.Path(), "cur", e.Name.Unique+":2,")
	if err := os.Rename(e.Path(f), to); err != nil {
		t.Fatal(err)
	}
}

// TestNewToCurWhileReadingMessageIDs: a new file is scanned in new/; the
// mail reader moves it to cur/ before Changes reads its Message-ID. The
// message must be reported, with its Message-ID, and not be lost behind
// the checkpoint.
func TestNewToCurWhileReadingMessageIDs(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 1)
	mb.Close()
	f, e := ts.readerDeliver(t, "INBOX", "Message-ID: <r@test>\n\nhi\n")
	mb = open(t, ts, "INBOX") // scans: the file is indexed in new/
	defer mb.Close()
	readerToCur(t, f, e)
	changed, _, next := changesSince(t, mb, cp, nil)
	if m, ok := changed[2]; !ok || m.MessageID != "r@test" {
		// Whatever this listing said, the next must not have lost it.
		again, _, _ := changesSince(t, mb, next, nil)
		t.Fatalf("Changes reports %+v (then %+v), want uid 2 with Message-ID r@test", changed, again)
	}
}

// TestRenameDuringFullListing: a known file renamed by the reader (a flag
// change) after the scan must still be in a full listing, with its
// Message-ID: a message missing from a listing reads as a deletion.
func TestRenameDuringFullListing(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, _ := openWith(t, ts, "INBOX", 3)
	mb.Close()
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	ts.readerSetFlags(t, "INBOX", 2, "S")
	got := listAll(t, mb, true)
	if len(got) != 3 || got[2].MessageID != "m2@test" {
		t.Fatalf("List gives %+v, want uids 1-3 with uid 2's Message-ID m2@test", got)
	}
}

// TestScanMissesKnownFile: a directory listing misses a known file (a
// rename moved it across getdents buffers). The store must look again
// before calling it deleted: the file is neither vanished nor dropped.
func TestScanMissesKnownFile(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 3)
	mb.Close()
	_, hidden := ts.fileOf(t, "INBOX", 2)
	misses := 1
	ts.scanFilter = func(_ string, es []maildir.Entry) []maildir.Entry {
		if misses == 0 {
			return es
		}
		misses--
		return slices.DeleteFunc(es, func(e maildir.Entry) bool { return e.Name.Unique == hidden.Name.Unique })
	}
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	_, vanished, _ := changesSince(t, mb, cp, []store.UID{1, 2, 3})
	if len(vanished) > 0 {
		t.Fatalf("vanished %v after one scan missed uid 2's file", vanished)
	}
	if got := listAll(t, mb, true); len(got) != 3 {
		t.Fatalf("List gives %+v, want 3 messages", got)
	}
}

// TestFileGoneWhileListingHoldsCheckpoint: a new file removed between the
// scan and the listing is listed from the index (without Message-ID) and
// the checkpoint stays where it was, so the next run looks again.
func TestFileGoneWhileListingHoldsCheckpoint(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 1)
	mb.Close()
	f, e := ts.readerDeliver(t, "INBOX", "Message-ID: <gone@test>\n\nhi\n")
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	if err := os.Remove(e.Path(f)); err != nil {
		t.Fatal(err)
	}
	changed, _, next := changesSince(t, mb, cp, nil)
	if _, ok := changed[2]; !ok {
		t.Fatalf("Changes reports %+v, want uid 2 listed from the index", changed)
	}
	if next.Token != cp.Token {
		t.Fatalf("checkpoint moved from %q to %q past a file the listing could not find", cp.Token, next.Token)
	}
}

// TestFolderBackToScannedState: the store fills a folder its last scan
// saw empty; the user then empties it. The folder is exactly as that scan
// recorded it, but the index holds the store's messages: the next scan
// must see them gone (the store's own writes drop the recorded scan).
func TestFolderBackToScannedState(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	ctx := context.Background()
	mb, cp := openWith(t, ts, "INBOX", 0) // the scan records "empty"
	for i := 1; i <= 3; i++ {
		body := fmt.Sprintf("Message-ID: <m%d@test>\r\n\r\nbody\r\n", i)
		if _, err := mb.Append(ctx, store.NewMessage{Body: strings.NewReader(body), Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
	}
	mb.Close()     // flushes, as a sync's copies do, with no scan after them
	cp.UIDNext = 4 // the checkpoint the engine records after its copies
	for uid := store.UID(1); uid <= 3; uid++ {
		f, e := ts.fileOf(t, "INBOX", uid)
		if err := os.Remove(e.Path(f)); err != nil {
			t.Fatal(err)
		}
	}
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	if n := mb.Status().Messages; n != 0 {
		t.Errorf("status says %d messages in the emptied folder", n)
	}
	_, vanished, _ := changesSince(t, mb, cp, []store.UID{1, 2, 3})
	if len(vanished) != 3 {
		t.Fatalf("vanished %v, want [1 2 3]", vanished)
	}
}

// TestFetchMissesMovedFile: the engine is about to upload a new message
// when the reader moves its file to another folder, and back under the
// same name before the next scan. The skipped message must be reported
// again by the next Changes, past the checkpoint of the run that skipped
// it.
func TestFetchMissesMovedFile(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	if err := ts.CreateMailbox(ctx, "Archive", ""); err != nil {
		t.Fatal(err)
	}
	mb, cp := openWith(t, ts, "INBOX", 1)
	defer mb.Close()
	ts.readerDeliver(t, "INBOX", "Message-ID: <away@test>\n\nhi\n")
	changed, _, next := changesSince(t, mb, cp, nil)
	if _, ok := changed[2]; !ok {
		t.Fatalf("the new message is not reported: %+v", changed)
	}
	f, e := ts.fileOf(t, "INBOX", 2)
	away := filepath.Join(ts.root, "Archive", e.Subdir, e.File)
	if err := os.Rename(e.Path(f), away); err != nil {
		t.Fatal(err)
	}
	err := mb.FetchBodies(ctx, []store.UID{2}, func(m store.Message, _ io.Reader) error {
		t.Errorf("fetched uid %d from a file that is not there", m.UID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(away, e.Path(f)); err != nil {
		t.Fatal(err)
	}
	changed, _, _ = changesSince(t, mb, next, nil)
	if _, ok := changed[2]; !ok {
		t.Fatalf("the skipped message is not reported again: %+v", changed)
	}
}
