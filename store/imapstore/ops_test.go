package imapstore_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// bare ignores CONDSTORE, QRESYNC, UIDPLUS and MOVE.
var bare = []imap.Cap{imap.CapCondStore, imap.CapQResync, imap.CapUIDPlus, imap.CapMove}

// openInbox opens u's INBOX on a store with the given capabilities off.
func openInbox(t *testing.T, srv *testenv.Server, u testenv.User, disabled ...imap.Cap) store.Mailbox {
	t.Helper()
	st := serverStore(t, srv, u, imapstore.Options{DisableCaps: disabled})
	t.Cleanup(func() { st.Close() })
	mb, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mb.Close() })
	return mb
}

// TestAppendUnknownSize: a body of unknown size is spooled, sent whole and
// listed with its wire size.
func TestAppendUnknownSize(t *testing.T) {
	srv := testenv.Dovecot(t)
	mb := openInbox(t, srv, srv.NewUser(t))
	body := genMessages("spool", 1, 50_000)[0]
	uid, err := mb.Append(t.Context(), store.NewMessage{Size: -1, Body: io.MultiReader(bytes.NewReader(body[:100]), bytes.NewReader(body[100:]))})
	if err != nil || uid == 0 {
		t.Fatalf("Append of unknown size: uid %d, %v", uid, err)
	}
	var got []byte
	if err := mb.FetchBodies(t.Context(), []store.UID{uid}, func(m store.Message, r io.Reader) error {
		if m.Size != int64(len(body)) {
			t.Errorf("listed size %d, want %d", m.Size, len(body))
		}
		got, err = io.ReadAll(r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("fetched %d bytes differ from the %d appended", len(got), len(body))
	}
}

// TestConditionalRemoveAndAdd: a change that removes and adds under
// UNCHANGEDSINCE applies both to an untouched message and neither to one
// changed behind (a conflict), even though the removal raises the modseqs.
func TestConditionalRemoveAndAdd(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Time{}, genMessages("cond", 2, 200)...)
	for _, uid := range uids {
		srv.AddFlags(t, u.Name, "INBOX", uid, `\Seen`)
	}
	mb := openInbox(t, srv, u)
	top := mb.Status().HighestModSeq
	srv.AddFlags(t, u.Name, "INBOX", uids[0], `\Answered`)
	conflicts, err := mb.UpdateFlags(t.Context(), store.FlagChange{
		UIDs: toStoreUIDs(uids), Remove: store.Flags{store.Seen}, Add: store.Flags{store.Flagged}, UnchangedSince: top,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(conflicts, []store.UID{store.UID(uids[0])}) {
		t.Errorf("conflicts %v, want [%d]", conflicts, uids[0])
	}
	if got := srv.MessageFlags(t, u.Name, "INBOX", uids[1]); !slices.Equal(got, []string{`\Flagged`}) {
		t.Errorf("untouched message has %v, want [\\Flagged]", got)
	}
	if got := srv.MessageFlags(t, u.Name, "INBOX", uids[0]); slices.Contains(got, `\Flagged`) || !slices.Contains(got, `\Seen`) {
		t.Errorf("conflicting message has %v, want \\Seen kept and no \\Flagged", got)
	}
}

// TestWithoutCondStore: UNCHANGEDSINCE is refused, labels too.
func TestWithoutCondStore(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Time{}, genMessages("nocond", 1, 200)...)
	mb := openInbox(t, srv, u, bare...)
	_, err := mb.UpdateFlags(t.Context(), store.FlagChange{UIDs: toStoreUIDs(uids), Add: store.Flags{store.Seen}, UnchangedSince: 5})
	if !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("UNCHANGEDSINCE without CONDSTORE: %v, want ErrUnsupported", err)
	}
	_, err = mb.UpdateFlags(t.Context(), store.FlagChange{UIDs: toStoreUIDs(uids), AddLabels: []string{"x"}})
	if !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("labels without X-GM-EXT-1: %v, want ErrUnsupported", err)
	}
	for _, m := range srv.Fetch(t, u.Name, "INBOX", "uid flags") {
		if f := strings.TrimSpace(strings.ReplaceAll(m["flags"], `\Recent`, "")); f != "" {
			t.Errorf("a refused change set flags %q on uid %s", f, m["uid"])
		}
	}
}

// TestExpungeSparesOthers: without UIDPLUS, Expunge removes only the given
// messages; one that someone else marked \Deleted stays, still marked.
func TestExpungeSparesOthers(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Time{}, genMessages("spare", 3, 200)...)
	srv.AddFlags(t, u.Name, "INBOX", uids[2], `\Deleted`, `\Seen`)
	mb := openInbox(t, srv, u, bare...)
	if err := mb.Expunge(t.Context(), toStoreUIDs(uids[:1])); err != nil {
		t.Fatal(err)
	}
	left := srv.Fetch(t, u.Name, "INBOX", "uid")
	if len(left) != 2 {
		t.Fatalf("%d messages left, want 2: %v", len(left), left)
	}
	if got := srv.MessageFlags(t, u.Name, "INBOX", uids[2]); !slices.Contains(got, `\Deleted`) || !slices.Contains(got, `\Seen`) {
		t.Errorf("the message marked by someone else has %v, want \\Deleted \\Seen back", got)
	}
}
