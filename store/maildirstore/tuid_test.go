package maildirstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// tuidWire is a message as the server holds it; tuidFile is the file
// mbsync writes for it (LF line ends, its X-TUID field added).
const (
	tuidWire = "Message-ID: <tuid@test>\r\nSubject: s\r\n\r\nbody\r\n"
	tuidFile = "Message-ID: <tuid@test>\r\nSubject: s\r\nX-TUID: 6mH4tYmqfXyE\r\n\r\nbody\r\n"
)

// TestXTUIDLeftOutOfSizeAndBody: a file mbsync wrote is listed with the
// size and identity of the server's copy (X-TUID does not count) and is
// fetched, for an upload, without its X-TUID field.
func TestXTUIDLeftOutOfSizeAndBody(t *testing.T) {
	for _, labels := range []bool{false, true} {
		ts := newOptsStore(t, KeywordsDovecot, labels)
		file := strings.ReplaceAll(tuidFile, "\r\n", "\n")
		if labels {
			file = strings.Replace(file, "X-TUID", "X-Keywords: work\nX-TUID", 1)
		}
		dir := filepath.Join(ts.root, "INBOX", "cur")
		if err := os.WriteFile(filepath.Join(dir, "1700000000.1_1.host,U=1:2,S"), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		mb := open(t, ts, "INBOX")
		all := listAll(t, mb, true)
		if len(all) != 1 {
			t.Fatalf("labels %v: listed %+v", labels, all)
		}
		for uid, m := range all {
			want := store.IdentityOf(store.Message{MessageID: "tuid@test", Size: int64(len(tuidWire))})
			if !store.IdentityOf(m).Same(want) {
				t.Errorf("labels %v: listed %+v, want the identity of the server's copy %+v", labels, m, want)
			}
			if body := fetchBody(t, mb, uid); body != tuidWire {
				t.Errorf("labels %v: fetched %q, want %q", labels, body, tuidWire)
			}
		}
		mb.Close()
	}
}

// TestXTUIDNotDelivered: a message that reaches the Maildir with an
// X-TUID field (uploaded with it by another tool) is delivered without
// it, and listed with the size of the file.
func TestXTUIDNotDelivered(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	ctx := context.Background()
	uid, err := mb.Append(ctx, store.NewMessage{Body: strings.NewReader(tuidFile), Size: int64(len(tuidFile)),
		InternalDate: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	f, e := ts.fileOf(t, "INBOX", uid)
	b, err := os.ReadFile(e.Path(f))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(tuidWire, "\r\n", "\n"); string(b) != want {
		t.Errorf("file %q, want %q", b, want)
	}
	if m := listAll(t, mb, false)[uid]; m.Size != int64(len(tuidWire)) {
		t.Errorf("listed size %d, want %d", m.Size, len(tuidWire))
	}
	if body := fetchBody(t, mb, uid); body != tuidWire {
		t.Errorf("fetched %q, want %q", body, tuidWire)
	}
}

// TestXTUIDLegacyIndexSentWhole: a file indexed when sizes still counted
// its X-TUID field is listed with that size; a fetch sends it whole, so
// the body matches the size an upload announces.
func TestXTUIDLegacyIndexSentWhole(t *testing.T) {
	ts := newTestStore(t, maildir.LayoutFS)
	file := strings.ReplaceAll(tuidFile, "\r\n", "\n")
	if err := os.WriteFile(filepath.Join(ts.root, "INBOX", "cur", "1700000000.1_1.host,U=1:2,S"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	var uid store.UID
	for u := range listAll(t, mb, false) {
		uid = u
	}
	err := ts.db.Update(context.Background(), func(tx *statedb.Tx) error {
		box, _, err := tx.NearMailboxByName("INBOX")
		if err != nil {
			return err
		}
		nm, _, err := tx.NearMessageByUID(box.ID, uint32(uid))
		if err != nil {
			return err
		}
		nm.Size = int64(len(tuidFile))
		return tx.UpdateNearMessage(nm)
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := listAll(t, mb, false)[uid]; m.Size != int64(len(tuidFile)) {
		t.Fatalf("listed size %d, want the indexed %d", m.Size, len(tuidFile))
	}
	if body := fetchBody(t, mb, uid); body != tuidFile {
		t.Errorf("fetched %q, want the whole file %q", body, tuidFile)
	}
}
