package syncer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/store/memstore"
)

// content renders what a sync must make equal in any store: per
// selectable mailbox, the sorted lines "body-hash date flags".
func content(t *testing.T, st store.Store) string {
	t.Helper()
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
		fmt.Fprintf(&b, "%s\n", mi.Name)
		b.WriteString(mailboxContent(t, st, mi.Name))
	}
	return b.String()
}

func mailboxContent(t *testing.T, st store.Store, name string) string {
	ctx := context.Background()
	mb, err := st.OpenMailbox(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	var uids []store.UID
	flags := map[store.UID]string{}
	if err := mb.List(ctx, store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			uids = append(uids, m.UID)
			flags[m.UID] = m.Flags.String()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	err = mb.FetchBodies(ctx, uids, func(m store.Message, r io.Reader) error {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("  %x %d [%s]\n", h.Sum(nil)[:8], m.InternalDate.Unix(), flags[m.UID]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "")
}

// TestMaildirNear syncs a memory far store with a real Maildir store on
// the near side (its UIDs live in the same state database): first sync,
// changes on both sides, idle re-runs, same content on both sides.
func TestMaildirNear(t *testing.T) {
	ctx := context.Background()
	db := statedbtest.Open(t)
	root := t.TempDir()
	near, err := maildirstore.New(maildirstore.Options{Root: root, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	far := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	e := &env{t: t, far: far, db: db, opts: DefaultOptions()}
	sync := func() Result {
		t.Helper()
		eng, err := New(far, near, db, e.opts)
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.SyncAccount(ctx)
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		statedbtest.Check(t, db)
		return res
	}
	same := func() {
		t.Helper()
		if f, n := content(t, far), content(t, near); f != n {
			t.Fatalf("stores differ:\nfar:\n%s\nnear:\n%s", f, n)
		}
	}
	idle := func() {
		t.Helper()
		far.ResetCounts()
		res := sync()
		for _, m := range res.Mailboxes {
			if m.New != [2]int{} || m.Changed != [2]int{} || m.Deleted != [2]int{} || m.Moved != [2]int{} {
				t.Errorf("re-run did something in %s: %+v", m.Mailbox, m)
			}
		}
		if n := far.OpCount(memstore.OpFetchBody) + far.OpCount(memstore.OpList); n != 0 {
			t.Errorf("re-run listed or fetched on the far side (%d ops)", n)
		}
		same()
	}
	e.seed(far, "INBOX", "a", `\Seen`)
	e.seed(far, "INBOX", "b", `\Flagged work`)
	e.seed(far, "INBOX", "c", ``)
	e.seed(far, "Archive/2024", "x", ``)
	sync()
	same()
	idle()

	e.flags(far, "INBOX", "a", `\Answered`, ``)
	e.expunge(far, "INBOX", "b")
	e.move(far, "INBOX", "c", "Archive/2024")
	e.seed(far, "INBOX", "f1", ``)
	// A mail reader saves a message into the near INBOX.
	folder, err := maildir.LayoutFS.Open(root, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Deliver(ctx, bytes.NewReader(body("n1")), maildir.DeliverOptions{ModTime: epoch}); err != nil {
		t.Fatal(err)
	}
	sync()
	same()
	idle()
}
