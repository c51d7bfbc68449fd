package maildirstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

const editedBody = "Message-ID: <m1@test>\nSubject: 1, rewritten\n\nbody 1, now longer than it was\n"

// editInPlace rewrites the file of uid as an editor saving a draft does:
// same name, new content, new mtime.
func (ts *testStore) editInPlace(t *testing.T, mailbox string, uid store.UID) {
	t.Helper()
	f, e := ts.fileOf(t, mailbox, uid)
	if err := os.WriteFile(e.Path(f), []byte(editedBody), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Unix(1800000000, 0)
	if err := os.Chtimes(e.Path(f), later, later); err != nil {
		t.Fatal(err)
	}
}

// saveByRename rewrites the file of uid as most editors save: a new file
// renamed over the old name (same name, another inode, new mtime).
func (ts *testStore) saveByRename(t *testing.T, mailbox string, uid store.UID) {
	t.Helper()
	f, e := ts.fileOf(t, mailbox, uid)
	tmp := filepath.Join(f.Path(), "tmp", "editor-save")
	if err := os.WriteFile(tmp, []byte(editedBody), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, e.Path(f)); err != nil {
		t.Fatal(err)
	}
}

// editedWireSize is editedBody's size with CRLF line endings.
var editedWireSize = int64(len(editedBody) + bytes.Count([]byte(editedBody), []byte("\n")))

// editListing returns what the first Changes since cp reports vanished
// and changed. An edited message's old UID vanishes in the same listing
// where its new UID appears, so a caller can send the new content before
// it deletes the old; the new message names the UID it replaces (with the
// same Message-ID and size it would else read as one message renumbered).
func editListing(t *testing.T, mb store.Mailbox, cp store.Checkpoint, known []store.UID) ([]store.UID, map[store.UID]store.Message) {
	t.Helper()
	changed, vanished, _ := changesSince(t, mb, cp, known)
	for _, m := range changed {
		if (m.MessageID == "m1@test" || m.MessageID == "m2@test") && !slices.Contains(vanished, m.Replaces) {
			t.Errorf("the edited message's new copy %+v does not name a UID vanished in its listing %v", m, vanished)
		}
	}
	return vanished, changed
}

// TestEditedInPlaceIsNewMessage: a known file rewritten in place is seen
// by the next scan that looks at the folder's files as a new message (new
// UID, its real size) replacing the old one (vanished in the same listing).
func TestEditedInPlaceIsNewMessage(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 2)
	mb.Close()
	ts.editInPlace(t, "INBOX", 1)
	ts.readerDeliver(t, "INBOX", "Message-ID: <other@test>\n\nx\n") // names change: a full scan
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	vanished, changed := editListing(t, mb, cp, []store.UID{1, 2})
	if !slices.Equal(vanished, []store.UID{1}) {
		t.Fatalf("vanished %v, want [1] (the edited message's old UID)", vanished)
	}
	var repl *store.Message
	for _, m := range changed {
		if m.MessageID == "m1@test" {
			repl = &m
		}
	}
	if repl == nil || repl.UID <= 2 || repl.Size != editedWireSize || repl.Replaces != 1 {
		t.Fatalf("changed %+v, want m1@test under a new UID with size %d", changed, editedWireSize)
	}
}

// TestEditedByRename: a draft saved by an editor (a new file renamed over
// the old name) is seen by the next run although no file name changed:
// the file's inode is part of the folder's signature.
func TestEditedByRename(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 2)
	mb.Close()
	ts.saveByRename(t, "INBOX", 2)
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	vanished, changed := editListing(t, mb, cp, []store.UID{1, 2})
	if !slices.Equal(vanished, []store.UID{2}) {
		t.Fatalf("vanished %v, want [2] (the edited message's old UID)", vanished)
	}
	if m, ok := changed[3]; !ok || m.Size != editedWireSize {
		t.Fatalf("changed %+v, want uid 3 with size %d", changed, editedWireSize)
	}
}

// TestEditedBeforeUpload: a file rewritten in place between the scan and
// the upload is not sent with its scanned size: FetchBodies skips it, and
// the next scan indexes it as a new message with its real size.
func TestEditedBeforeUpload(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 2)
	defer mb.Close()
	ts.editInPlace(t, "INBOX", 1)
	err := mb.FetchBodies(ctx, []store.UID{1}, func(meta store.Message, body io.Reader) error {
		b, err := io.ReadAll(body)
		if err == nil && int64(len(b)) != meta.Size {
			t.Errorf("fetched %d bytes announced as %d", len(b), meta.Size)
		}
		t.Errorf("an edited file was fetched as uid %d (size %d)", meta.UID, meta.Size)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	vanished, changed := editListing(t, mb, cp, []store.UID{1, 2})
	if !slices.Equal(vanished, []store.UID{1}) {
		t.Fatalf("vanished %v, want [1]", vanished)
	}
	if m, ok := changed[3]; !ok || m.Size != editedWireSize || m.MessageID != "m1@test" {
		t.Fatalf("changed %+v, want uid 3 = m1@test with size %d", changed, editedWireSize)
	}
}

// TestEditedWhileStreaming: a file that grows while it is being read fails
// the read instead of giving its reader the announced count of a longer
// body (a truncated upload).
func TestEditedWhileStreaming(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, _ := openWith(t, ts, "INBOX", 1)
	defer mb.Close()
	f, e := ts.fileOf(t, "INBOX", 1)
	called := false
	err := mb.FetchBodies(ctx, []store.UID{1}, func(meta store.Message, body io.Reader) error {
		called = true
		w, err := os.OpenFile(e.Path(f), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		w.WriteString("appended while the upload runs\n")
		w.Close()
		// A consumer reading the announced count sees the error on the
		// read that completes it (io.CopyN would drop it: an encoder must
		// check the error of every read).
		_, err = io.Copy(io.Discard, io.LimitReader(body, meta.Size))
		if !errors.Is(err, ErrChangedWhileReading) {
			t.Errorf("reading %d bytes of a grown file: %v, want ErrChangedWhileReading", meta.Size, err)
		}
		return nil
	})
	if err != nil || !called {
		t.Fatalf("FetchBodies: %v (called %v)", err, called)
	}
}

// TestAppendSizeMismatch: a far message whose announced size (RFC822.SIZE)
// differs from its body is delivered with the body's size, and the other
// messages staged with it are kept.
func TestAppendSizeMismatch(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	bodies := []string{"Message-ID: <a@x>\r\n\r\na\r\n", "Message-ID: <b@x>\r\n\r\nb\r\n", "Message-ID: <c@x>\r\n\r\nc\r\n"}
	for i, b := range bodies {
		size := int64(len(b))
		if i == 1 {
			size += 117 // Exchange: stored size
		}
		if _, err := mb.Append(ctx, store.NewMessage{Body: bytes.NewReader([]byte(b)), Size: size, InternalDate: time.Unix(1700000000, 0)}); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := listAll(t, mb, true)
	if len(got) != 3 || got[2].Size != int64(len(bodies[1])) || got[2].MessageID != "b@x" {
		t.Fatalf("listed %+v, want 3 messages, uid 2 with its body's size %d", got, len(bodies[1]))
	}
}

// TestMovedAndEdited: a file moved to another folder by the reader and
// saved again there before any scan is not the message the index knew:
// the destination reports a new message (no Origin, its new size) and
// the source a plain deletion, so the old text is not moved on the
// server in place of the new one.
func TestMovedAndEdited(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	if err := ts.CreateMailbox(ctx, "Archive", ""); err != nil {
		t.Fatal(err)
	}
	inbox, cp := openWith(t, ts, "INBOX", 2)
	arch, archCP := openWith(t, ts, "Archive", 0)
	inbox.Close()
	arch.Close()
	f, e := ts.fileOf(t, "INBOX", 2)
	moved := filepath.Join(ts.root, "Archive", "cur", e.File)
	if err := os.Rename(e.Path(f), moved); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(ts.root, "Archive", "tmp", "editor-save")
	if err := os.WriteFile(tmp, []byte(editedBody), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, moved); err != nil {
		t.Fatal(err)
	}
	arch = open(t, ts, "Archive")
	defer arch.Close()
	changed, _, _ := changesSince(t, arch, archCP, nil)
	if len(changed) != 1 {
		t.Fatalf("Archive reports %+v, want one message", changed)
	}
	for _, m := range changed {
		if m.Origin != nil || m.Size != editedWireSize {
			t.Fatalf("Archive reports %+v, want a new message (no Origin) of %d bytes", m, editedWireSize)
		}
	}
	inbox = open(t, ts, "INBOX")
	defer inbox.Close()
	var movedOut []store.Move
	_, err := inbox.Changes(ctx, store.ChangesRequest{Since: cp, Known: slices.Values([]store.UID{1, 2})}, func(cs store.ChangeSet) error {
		movedOut = append(movedOut, cs.MovedOut...)
		if !slices.Equal(cs.Vanished, []store.UID{2}) {
			t.Errorf("INBOX vanished %v, want [2]", cs.Vanished)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(movedOut) > 0 {
		t.Fatalf("INBOX reports moves %+v for an edited message", movedOut)
	}
}

// TestAddedFileCompletedInPlace: a file a mail reader delivered and a scan
// indexed, then completed in place by its writer (no name or directory
// changes), is seen by the next scan: its old UID vanishes and the whole
// file comes under a new UID naming it, in one listing.
func TestAddedFileCompletedInPlace(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 1)
	mb.Close()
	f, e := ts.readerDeliver(t, "INBOX", "Message-ID: <m2@test>\n\nfirst half\n")
	mb = open(t, ts, "INBOX") // indexes it as uid 2
	changed, _, cp2 := changesSince(t, mb, cp, []store.UID{1})
	if _, ok := changed[2]; !ok {
		t.Fatalf("changed %+v, want the delivered file as uid 2", changed)
	}
	mb.Close()
	w, err := os.OpenFile(e.Path(f), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("second half\n")
	w.Close()
	later := time.Now().Add(time.Minute) // an mtime surely not the recorded one
	if err := os.Chtimes(e.Path(f), later, later); err != nil {
		t.Fatal(err)
	}
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	vanished, now := editListing(t, mb, cp2, []store.UID{1, 2})
	if !slices.Equal(vanished, []store.UID{2}) {
		t.Fatalf("vanished %v, want [2]", vanished)
	}
	if m, ok := now[3]; !ok || m.Replaces != 2 || m.Size != int64(len("Message-ID: <m2@test>\r\n\r\nfirst half\r\nsecond half\r\n")) {
		t.Fatalf("changed %+v, want uid 3 replacing 2 with the whole file", now)
	}
}

// TestRewrittenInPlaceNoticedWithinStatInterval: an older file rewritten
// in place (same name, same inode: no directory changes) is noticed at
// the latest by the first scan statInterval after the folder's files were
// last statted, though nothing else in the folder changed.
func TestRewrittenInPlaceNoticedWithinStatInterval(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 2)
	mb.Close()
	open(t, ts, "INBOX").Close() // a full scan after the store's own appends; records the signature
	ts.editInPlace(t, "INBOX", 1)
	err := ts.db.Update(ctx, func(tx *statedb.Tx) error {
		nm, _, err := tx.NearMailboxByName("INBOX")
		if err != nil {
			return err
		}
		old := time.Now().Add(-statInterval - time.Minute).Unix()
		return tx.SetMeta(stattedKey(nm.ID), strconv.FormatInt(old, 10))
	})
	if err != nil {
		t.Fatal(err)
	}
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	vanished, changed := editListing(t, mb, cp, []store.UID{1, 2})
	if !slices.Equal(vanished, []store.UID{1}) {
		t.Fatalf("vanished %v, want [1]: the rewrite was not noticed", vanished)
	}
	if m, ok := changed[3]; !ok || m.Size != editedWireSize || m.Replaces != 1 {
		t.Fatalf("changed %+v, want uid 3 replacing 1 with size %d", changed, editedWireSize)
	}
}

// TestEditedWhileAwayIsNewMessage: a file moved out of the Maildir (a
// folder emptied), dropped from the index by a scan, then put back under
// its name after an edit is a new message replacing its old UID; put back
// unchanged, it is the old message (no Replaces: the engine re-pairs it
// by identity).
func TestEditedWhileAwayIsNewMessage(t *testing.T) {
	for _, edit := range []bool{false, true} {
		t.Run(fmt.Sprintf("edited=%v", edit), func(t *testing.T) {
			ts := newTestStore(t, maildir.LayoutFS)
			mb, cp := openWith(t, ts, "INBOX", 2)
			mb.Close()
			open(t, ts, "INBOX").Close()
			f, e := ts.fileOf(t, "INBOX", 1)
			away := filepath.Join(t.TempDir(), e.File)
			if err := os.Rename(e.Path(f), away); err != nil {
				t.Fatal(err)
			}
			open(t, ts, "INBOX").Close() // the scan drops it from the index
			if edit {
				if err := os.WriteFile(away, []byte(editedBody), 0o600); err != nil {
					t.Fatal(err)
				}
				later := time.Unix(1800000000, 0)
				if err := os.Chtimes(away, later, later); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Rename(away, e.Path(f)); err != nil {
				t.Fatal(err)
			}
			mb = open(t, ts, "INBOX")
			defer mb.Close()
			changed, vanished, _ := changesSince(t, mb, cp, []store.UID{1, 2})
			if !slices.Equal(vanished, []store.UID{1}) {
				t.Fatalf("vanished %v, want [1]", vanished)
			}
			m, ok := changed[3]
			if !ok || m.MessageID != "m1@test" {
				t.Fatalf("changed %+v, want m1@test back as uid 3", changed)
			}
			if want := map[bool]store.UID{false: 0, true: 1}[edit]; m.Replaces != want {
				t.Fatalf("uid 3 replaces %d, want %d", m.Replaces, want)
			}
		})
	}
}

// TestExpungeKeepsFileEditedSinceScan: the engine expunges a message (it
// was deleted on the other side) just as the reader saves a new text of
// it: the edited file is not removed, and the next scan reports it as a
// new message replacing the old UID, so the edit is kept.
func TestExpungeKeepsFileEditedSinceScan(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 2)
	defer mb.Close()
	ts.editInPlace(t, "INBOX", 1)
	if err := mb.Expunge(ctx, []store.UID{1}); err != nil {
		t.Fatal(err)
	}
	vanished, changed := editListing(t, mb, cp, []store.UID{1, 2})
	if !slices.Equal(vanished, []store.UID{1}) {
		t.Fatalf("vanished %v, want [1]", vanished)
	}
	if m, ok := changed[3]; !ok || m.Size != editedWireSize || m.Replaces != 1 {
		t.Fatalf("changed %+v, want the edit kept as uid 3 replacing 1", changed)
	}
}
