package maildirstore

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
)

// newOptsStore is newTestStore with the given keyword and label options.
func newOptsStore(t *testing.T, kw KeywordMode, labels bool) *testStore {
	t.Helper()
	root := t.TempDir()
	db, err := statedb.Open(context.Background(), statedb.DefaultPath(root), statedb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		statedbtest.Check(t, db)
		db.Close()
	})
	s, err := New(Options{Root: root, Layout: maildir.LayoutFS, DB: db, Keywords: kw, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := maildir.LayoutFS.Create(root, "INBOX"); err != nil {
		t.Fatal(err)
	}
	return &testStore{Store: s, root: root, db: db}
}

// labelMsg is a wire message with folded headers, a header named like
// the field in its body and no final newline: the parts a rewrite must
// leave alone.
const labelMsg = "Message-ID: <lab@test>\r\nSubject: a long subject\r\n folded here\r\n\r\nX-Keywords: not a header\r\nbody"

func appendLabeled(t *testing.T, mb store.Mailbox, labels []string, flags store.Flags) store.UID {
	t.Helper()
	ctx := context.Background()
	uid, err := mb.Append(ctx, store.NewMessage{Body: strings.NewReader(labelMsg), Size: int64(len(labelMsg)),
		Labels: labels, Flags: flags, InternalDate: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return uid
}

func readFile(t *testing.T, ts *testStore, uid store.UID) (string, os.FileInfo, string) {
	t.Helper()
	f, e := ts.fileOf(t, "INBOX", uid)
	b, err := os.ReadFile(e.Path(f))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(e.Path(f))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), st, e.File
}

func fetchBody(t *testing.T, mb store.Mailbox, uid store.UID) string {
	t.Helper()
	var got []byte
	err := mb.FetchBodies(context.Background(), []store.UID{uid}, func(_ store.Message, r io.Reader) error {
		var err error
		got, err = io.ReadAll(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// TestXKeywordsLabels: with Labels, a message's labels are written into
// an X-Keywords field (RFC 2047 for non-ASCII), the rest of the file
// byte-exact; listings give them back as labels with the message's own
// wire size, and a fetch sends the message without the field.
func TestXKeywordsLabels(t *testing.T) {
	ts := newOptsStore(t, KeywordsDovecot, true)
	if !ts.Features().GmailLabels {
		t.Fatal("Labels does not claim Features.GmailLabels")
	}
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	uid := appendLabeled(t, mb, []string{"Inbox", "Été", "work"}, store.NewFlags(store.Seen))
	got, _, _ := readFile(t, ts, uid)
	want := "Message-ID: <lab@test>\nSubject: a long subject\n folded here\nX-Keywords: Inbox, =?UTF-8?B?w4l0w6k=?=, work\n\nX-Keywords: not a header\nbody"
	if got != want {
		t.Fatalf("file:\n%q\nwant\n%q", got, want)
	}
	m := listAll(t, mb, true)[uid]
	if !slices.Equal(m.Labels, []string{"Inbox", "Été", "work"}) || m.Size != int64(len(labelMsg)) || m.MessageID != "lab@test" {
		t.Errorf("listed %+v", m)
	}
	if body := fetchBody(t, mb, uid); body != labelMsg {
		t.Errorf("fetched %q, want the message as appended", body)
	}
}

// TestXKeywordsRewrite: a label change rewrites only the X-Keywords field,
// under the same file name, with the same mtime and flags; the result is
// not taken for an edit (no new UID).
func TestXKeywordsRewrite(t *testing.T) {
	ts := newOptsStore(t, KeywordsDovecot, true)
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	uid := appendLabeled(t, mb, []string{"Inbox", "work"}, store.NewFlags(store.Seen, store.Flagged))
	_, st0, name0 := readFile(t, ts, uid)
	if _, err := mb.UpdateFlags(context.Background(), store.FlagChange{UIDs: []store.UID{uid},
		AddLabels: []string{"Reisen"}, RemoveLabels: []string{"Inbox"}}); err != nil {
		t.Fatal(err)
	}
	got, st1, name1 := readFile(t, ts, uid)
	want := "Message-ID: <lab@test>\nSubject: a long subject\n folded here\nX-Keywords: work, Reisen\n\nX-Keywords: not a header\nbody"
	if got != want || name1 != name0 || !st1.ModTime().Equal(st0.ModTime()) {
		t.Fatalf("after relabel: name %q (was %q), mtime %v (was %v), file\n%q", name1, name0, st1.ModTime(), st0.ModTime(), got)
	}
	all := listAll(t, mb, false)
	if len(all) != 1 || !slices.Equal(all[uid].Labels, []string{"work", "Reisen"}) || !all[uid].Flags.Equal(store.NewFlags(store.Seen, store.Flagged)) {
		t.Errorf("listed %+v", all)
	}
}

// TestXKeywordsLocalEdit: a mail reader or script that rewrites the
// X-Keywords field (new mtime, new inode) changes the message's labels;
// the next Changes reports the same UID with the new labels, nothing
// vanishes.
func TestXKeywordsLocalEdit(t *testing.T) {
	ts := newOptsStore(t, KeywordsDovecot, true)
	mb := open(t, ts, "INBOX")
	uid := appendLabeled(t, mb, []string{"Inbox"}, nil)
	cp, err := mb.Changes(context.Background(), store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}}, func(store.ChangeSet) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	mb.Close()
	f, e := ts.fileOf(t, "INBOX", uid)
	old, err := os.ReadFile(e.Path(f))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(old), "X-Keywords: Inbox\n", "X-Keywords: Inbox, todo, later\n", 1)
	tmp := filepath.Join(f.Path(), "tmp", "tagger")
	if err := os.WriteFile(tmp, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, e.Path(f)); err != nil {
		t.Fatal(err)
	}
	mb = open(t, ts, "INBOX")
	defer mb.Close()
	changed, vanished, _ := changesSince(t, mb, cp, []store.UID{uid})
	if len(vanished) != 0 || len(changed) != 1 || !slices.Equal(changed[uid].Labels, []string{"Inbox", "todo", "later"}) || changed[uid].Replaces != 0 {
		t.Fatalf("changes after a tag edit: changed %+v vanished %v", changed, vanished)
	}
}

// TestXKeywordsKeywords: keywords = x-keywords keeps IMAP keywords in the
// field (system flags stay letters), through the same rewrite.
func TestXKeywordsKeywords(t *testing.T) {
	ts := newOptsStore(t, KeywordsHeader, false)
	if f := ts.Features(); !f.Keywords || f.GmailLabels {
		t.Fatalf("features %+v", f)
	}
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	uid := appendLabeled(t, mb, nil, store.NewFlags(store.Seen, "$Label1", "work"))
	got, _, name := readFile(t, ts, uid)
	if !strings.Contains(got, "\nX-Keywords: $Label1, work\n") || !strings.HasSuffix(name, ":2,S") {
		t.Fatalf("file %q: %q", name, got)
	}
	if _, err := mb.UpdateFlags(context.Background(), store.FlagChange{UIDs: []store.UID{uid},
		Add: store.NewFlags("urgent", store.Answered), Remove: store.NewFlags("work")}); err != nil {
		t.Fatal(err)
	}
	m := listAll(t, mb, false)[uid]
	if want := store.NewFlags(store.Seen, store.Answered, "$Label1", "urgent"); !m.Flags.Equal(want) || m.Size != int64(len(labelMsg)) {
		t.Errorf("listed flags %v size %d, want %v %d", m.Flags, m.Size, want, len(labelMsg))
	}
	if _, err := os.Stat(filepath.Join(ts.root, "INBOX", "dovecot-keywords")); !os.IsNotExist(err) {
		t.Errorf("dovecot-keywords written in X-Keywords mode (%v)", err)
	}
}
