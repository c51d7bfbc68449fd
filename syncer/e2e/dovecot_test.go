// Package e2e runs the sync engine end to end: a real Dovecot (imapstore)
// on the far side, a real Maildir (maildirstore) on the near side.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/syncer"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

var date = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func msg(id string) []byte {
	return fmt.Appendf(nil, "Message-ID: <%s@e2e>\r\nSubject: %s\r\nFrom: a@example.com\r\n\r\nbody %s\r\nline two\r\n", id, id, id)
}

type rig struct {
	t    *testing.T
	srv  testenv.MailServer
	user testenv.User
	far  *imapstore.Store
	near *maildirstore.Store
	root string
	db   *statedb.DB
}

// imapStore opens an imapstore for user u of srv.
func imapStore(t *testing.T, srv testenv.MailServer, u testenv.User) *imapstore.Store {
	st, err := imapstore.New(context.Background(), imapstore.Options{Dial: func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.Dial(ctx, srv.IMAPAddr(), &imapclient.Options{InsecurePlaintext: true})
		if err != nil {
			return nil, err
		}
		if err := c.Login(ctx, u.Name, imapclient.SecretString(u.Password)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newRig(t *testing.T) *rig {
	return newRigOn(t, testenv.KindDovecot)
}

// newRigOn is newRig on the shared server of kind.
func newRigOn(t *testing.T, kind testenv.Kind) *rig {
	srv := testenv.Shared(t, kind)
	u := srv.NewUser(t)
	db := statedbtest.Open(t)
	root := t.TempDir()
	near, err := maildirstore.New(maildirstore.Options{Root: root, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	far := imapStore(t, srv, u)
	t.Cleanup(func() { near.Close() })
	return &rig{t: t, srv: srv, user: u, far: far, near: near, root: root, db: db}
}

func (r *rig) sync() syncer.Result {
	r.t.Helper()
	eng, err := syncer.New(r.far, r.near, r.db, syncer.DefaultOptions())
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := eng.SyncAccount(context.Background())
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		r.t.Fatalf("sync: %v", err)
	}
	statedbtest.Check(r.t, r.db)
	return res
}

func (r *rig) same() {
	r.t.Helper()
	if f, n := content(r.t, r.far), content(r.t, r.near); f != n {
		r.t.Fatalf("stores differ:\nfar:\n%s\nnear:\n%s", f, n)
	}
}

func sum(res syncer.Result, f func(syncer.MailboxReport) int) int {
	n := 0
	for _, m := range res.Mailboxes {
		n += f(m)
	}
	return n
}

// TestServersMaildir: a first sync, an idle one, changes on both sides
// and a UIDVALIDITY change, on each test server.
func TestServersMaildir(t *testing.T) {
	for _, kind := range testenv.Kinds {
		t.Run(string(kind), func(t *testing.T) { serverMaildir(t, newRigOn(t, kind)) })
	}
}

func serverMaildir(t *testing.T, r *rig) {
	r.srv.CreateMailbox(t, r.user.Name, "Archive/2024")
	r.srv.CreateMailbox(t, r.user.Name, "Entwürfe")
	var inbox [][]byte
	for i := 0; i < 40; i++ {
		inbox = append(inbox, msg(fmt.Sprintf("in%d", i)))
	}
	uids := r.srv.DeliverMessages(t, r.user.Name, "INBOX", date, inbox...)
	r.srv.DeliverMessages(t, r.user.Name, "Archive/2024", date, msg("ar1"), msg("ar2"))
	r.srv.DeliverMessages(t, r.user.Name, "Entwürfe", date, msg("dr1"))
	r.srv.AddFlags(t, r.user.Name, "INBOX", uids[0], `\Seen`, "$Forwarded")
	res := r.sync()
	if n := sum(res, func(m syncer.MailboxReport) int { return m.New[syncer.Near] }); n != 43 {
		t.Fatalf("first sync copied %d to near, want 43", n)
	}
	r.same()
	res = r.sync()
	if n := sum(res, func(m syncer.MailboxReport) int {
		return m.New[0] + m.New[1] + m.Changed[0] + m.Changed[1] + m.Deleted[0] + m.Deleted[1]
	}); n != 0 {
		t.Fatalf("second sync did %d things", n)
	}

	// Changes on both sides.
	r.srv.AddFlags(t, r.user.Name, "INBOX", uids[1], `\Flagged`)
	r.srv.Expunge(t, r.user.Name, "INBOX", uids[2])
	r.srv.DeliverMessages(t, r.user.Name, "INBOX", date, msg("late"))
	f, err := maildir.LayoutFS.Open(r.root, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Deliver(context.Background(), bytes.NewReader(msg("local")), maildir.DeliverOptions{ModTime: date, ToLF: true}); err != nil {
		t.Fatal(err)
	}
	lf, err := maildir.LayoutFS.Create(r.root, "Local/Notes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lf.Deliver(context.Background(), bytes.NewReader(msg("note")), maildir.DeliverOptions{ModTime: date, ToLF: true, Flags: maildir.ParseFlags("S")}); err != nil {
		t.Fatal(err)
	}
	r.sync()
	if r.srv.Kind() == testenv.KindCyrus {
		// Cyrus 3.6 creates the missing parent of a new nested mailbox
		// (Local of Local/Notes) as a real one; the next run brings it
		// to the Maildir.
		r.sync()
	}
	r.same()
	if got := r.srv.ListMailboxes(t, r.user.Name); !strings.Contains(strings.Join(got, ","), "Local/Notes") {
		t.Fatalf("near mailbox not created on the server: %v", got)
	}

	// UIDVALIDITY change on the server: re-paired, nothing downloaded.
	// Cyrus keeps UIDVALIDITY where the harness cannot change it.
	reset, ok := r.srv.(interface {
		ForceUIDValidityChange(testing.TB, string, string) uint32
	})
	if !ok || r.srv.Kind() == testenv.KindCyrus {
		return
	}
	reset.ForceUIDValidityChange(t, r.user.Name, "INBOX")
	res = r.sync()
	if n := sum(res, func(m syncer.MailboxReport) int { return m.New[0] + m.New[1] + m.Deleted[0] + m.Deleted[1] }); n != 0 {
		t.Fatalf("after the UIDVALIDITY change: %+v", res.Mailboxes)
	}
	r.same()
}

// content renders per selectable mailbox the sorted "body-hash date flags".
func content(t *testing.T, st store.Store) string {
	ctx := context.Background()
	list, err := st.ListMailboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	var b strings.Builder
	for _, mi := range list {
		if mi.NoSelect {
			continue
		}
		mb, err := st.OpenMailbox(ctx, mi.Name)
		if err != nil {
			t.Fatal(err)
		}
		var uids []store.UID
		flags := map[store.UID]string{}
		_ = mb.List(ctx, store.ListOptions{}, func(ms []store.Message) error {
			for _, m := range ms {
				uids = append(uids, m.UID)
				flags[m.UID] = m.Flags.String()
			}
			return nil
		})
		var lines []string
		err = mb.FetchBodies(ctx, uids, func(m store.Message, rd io.Reader) error {
			h := sha256.New()
			_, err := io.Copy(h, rd)
			lines = append(lines, fmt.Sprintf("  %x %d [%s]\n", h.Sum(nil)[:8], m.InternalDate.Unix(), flags[m.UID]))
			return err
		})
		mb.Close()
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s\n%s", mi.Name, strings.Join(lines, ""))
	}
	return b.String()
}

func TestDovecotDeletionGuards(t *testing.T) {
	r := newRig(t)
	var raws [][]byte
	for i := 0; i < 60; i++ {
		raws = append(raws, msg(fmt.Sprintf("g%d", i)))
	}
	uids := r.srv.DeliverMessages(t, r.user.Name, "INBOX", date, raws...)
	r.srv.CreateMailbox(t, r.user.Name, "Other")
	r.sync()

	// The local INBOX directory disappears (an unmounted disk, a wrong
	// path): an error, nothing deleted.
	dir, err := maildir.LayoutFS.Path(r.root, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(t.TempDir(), "away")
	if err := os.Rename(dir, hidden); err != nil {
		t.Fatal(err)
	}
	eng, _ := syncer.New(r.far, r.near, r.db, syncer.DefaultOptions())
	res, err := eng.SyncAccount(context.Background())
	if err == nil {
		err = res.Err()
	}
	if err == nil {
		t.Fatal("sync with the local INBOX gone succeeded")
	}
	if n := r.srv.(*testenv.Server).MailboxStatus(t, r.user.Name, "INBOX")["messages"]; n != "60" {
		t.Fatalf("server INBOX holds %s messages, want 60", n)
	}
	if err := os.Rename(hidden, dir); err != nil {
		t.Fatal(err)
	}
	r.sync()
	r.same()

	// The server's INBOX is emptied: the deletions are held back.
	r.srv.Expunge(t, r.user.Name, "INBOX", uids...)
	res = r.sync()
	held := 0
	for _, m := range res.Mailboxes {
		if m.Held != nil {
			held += m.Held.Count[syncer.Near]
		}
	}
	if held != 60 {
		t.Fatalf("held %d deletions, want 60", held)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "cur"))
	if err != nil || len(entries) != 60 {
		t.Fatalf("local INBOX holds %d files (%v), want 60", len(entries), err)
	}
}

// TestDovecotToDovecot keeps two users of the server in step both ways
// (a server migration runs on the same engine).
func TestDovecotToDovecot(t *testing.T) {
	srv := testenv.Dovecot(t)
	u1, u2 := srv.NewUser(t), srv.NewUser(t)
	far, near := imapStore(t, srv, u1), imapStore(t, srv, u2)
	db := statedbtest.Open(t)
	srv.CreateMailbox(t, u1.Name, "Lists/Go")
	f := srv.DeliverMessages(t, u1.Name, "INBOX", date, msg("f1"), msg("f2"), msg("f3"))
	srv.DeliverMessages(t, u1.Name, "Lists/Go", date, msg("l1"))
	n := srv.DeliverMessages(t, u2.Name, "INBOX", date, msg("n1"), msg("f1"))
	run := func() syncer.Result {
		t.Helper()
		eng, err := syncer.New(far, near, db, syncer.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.SyncAccount(context.Background())
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		statedbtest.Check(t, db)
		if a, b := content(t, far), content(t, near); a != b {
			t.Fatalf("stores differ:\nfar:\n%s\nnear:\n%s", a, b)
		}
		return res
	}
	res := run()
	if got := sum(res, func(m syncer.MailboxReport) int { return m.New[syncer.Far] + m.New[syncer.Near] }); got != 4 {
		t.Errorf("first sync copied %d messages, want 4 (f1 exists on both sides)", got)
	}
	srv.AddFlags(t, u1.Name, "INBOX", f[0], `\Seen`)
	srv.AddFlags(t, u2.Name, "INBOX", n[0], `\Flagged`)
	srv.Expunge(t, u1.Name, "INBOX", f[1])
	run()
	res = run()
	if got := sum(res, func(m syncer.MailboxReport) int {
		return m.New[0] + m.New[1] + m.Changed[0] + m.Changed[1] + m.Deleted[0] + m.Deleted[1]
	}); got != 0 {
		t.Errorf("idle run did %d things", got)
	}
}
