package imapclient

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// changedUIDs returns the UIDs of FETCH data, sorted.
func changedUIDs(fs []*imap.FetchData) []imap.UID {
	var out []imap.UID
	for _, f := range fs {
		out = append(out, f.UID)
	}
	slices.Sort(out)
	return out
}

func TestQResyncSelect(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	var raws [][]byte
	for i := 1; i <= 6; i++ {
		raws = append(raws, testMessage(i))
	}
	uids := srv.SaveMessages(t, u.Name, "INBOX", raws...)
	ctx := testCtx(t)
	a := dialTLS(t, srv, nil)
	if err := a.Login(ctx, u.Name, SecretString(u.Password)); err != nil {
		t.Fatal(err)
	}
	first, err := a.Select(ctx, "INBOX", &SelectOptions{CondStore: true})
	if err != nil || first.HighestModSeq == 0 {
		t.Fatalf("SELECT (CONDSTORE): %+v %v", first, err)
	}
	a.Close()

	// Another connection changes flags of two messages and expunges one.
	b, _ := loginAs(t, srv, u)
	if _, err := b.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 3} {
		if _, err := b.UIDStore(ctx, imap.UIDSetOf(imap.UID(uids[i])), StoreAdd, []imap.Flag{imap.FlagSeen}, nil); err != nil {
			t.Fatal(err)
		}
	}
	srv.Expunge(t, u.Name, "INBOX", uids[4])

	c, _ := loginAs(t, srv, u)
	known := imap.UIDRangeSet(imap.UID(uids[0]), imap.UID(uids[5]))
	sel, err := c.Select(ctx, "INBOX", &SelectOptions{QResync: &QResync{
		UIDValidity: first.UIDValidity, ModSeq: first.HighestModSeq, KnownUIDs: known}})
	if err != nil {
		t.Fatal(err)
	}
	want := []imap.UID{imap.UID(uids[1]), imap.UID(uids[3])}
	if got := changedUIDs(sel.Changed); !slices.Equal(got, want) {
		t.Errorf("changed UIDs %v, want %v", got, want)
	}
	if sel.Vanished.String() != imap.UIDSetOf(imap.UID(uids[4])).String() {
		t.Errorf("vanished %v, want %d", sel.Vanished, uids[4])
	}
	for _, f := range sel.Changed {
		if !imap.HasFlag(f.Flags, imap.FlagSeen) || f.ModSeq <= first.HighestModSeq {
			t.Errorf("changed message %d: flags %v modseq %d", f.UID, f.Flags, f.ModSeq)
		}
	}
	// UID FETCH CHANGEDSINCE ... VANISHED reports the same.
	res, err := c.UIDFetch(ctx, known, Items("UID", "FLAGS"), &FetchOptions{ChangedSince: first.HighestModSeq, Vanished: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := changedUIDs(res.Messages); !slices.Equal(got, want) || !res.Vanished.Contains(imap.UID(uids[4])) {
		t.Errorf("UID FETCH CHANGEDSINCE: %v vanished %v", got, res.Vanished)
	}
}

// loginAs returns a logged-in client for an existing user.
func loginAs(t *testing.T, srv *testenv.Server, u testenv.User) (*Client, testenv.User) {
	t.Helper()
	c := dialTLS(t, srv, nil)
	if err := c.Login(testCtx(t), u.Name, SecretString(u.Password)); err != nil {
		t.Fatal(err)
	}
	return c, u
}

func TestMailboxCommands(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, u := login(t, srv, nil)
	ctx := testCtx(t)
	if err := c.Create(ctx, "Entwürfe/Alt"); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, "Archive", imap.AttrArchive); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, "Archive"); !imap.HasCode(err, imap.CodeAlreadyExists) {
		t.Errorf("second CREATE: %v", err)
	}
	if err := c.Rename(ctx, "Entwürfe/Alt", "Entwürfe/Neu"); err != nil {
		t.Fatal(err)
	}
	lr, err := c.List(ctx, "", "*", &ListOptions{SpecialUse: true, Status: []string{"MESSAGES", "UIDNEXT"}})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*imap.ListData{}
	for _, m := range lr.Mailboxes {
		names[m.Name] = m
	}
	if names["Entwürfe/Neu"] == nil || names["Archive"] == nil || names["Archive"].SpecialUse() != imap.AttrArchive {
		t.Errorf("LIST: %v", names)
	}
	if st := lr.Status["Entwürfe/Neu"]; st == nil || st.UIDNext != 1 {
		t.Errorf("LIST-STATUS: %+v", lr.Status)
	}
	if err := c.Delete(ctx, "Entwürfe/Neu"); err != nil {
		t.Fatal(err)
	}
	if got := srv.ListMailboxes(t, u.Name); slices.Contains(got, "Entwürfe/Neu") {
		t.Errorf("DELETE left %v", got)
	}
	ns, err := c.Namespace(ctx)
	if err != nil || len(ns.Personal) != 1 || ns.Personal[0].Delim != '/' {
		t.Errorf("NAMESPACE %+v %v", ns, err)
	}
	id, err := c.ID(ctx, map[string]string{"name": "imapdir"})
	if err != nil || id["name"] != "Dovecot" {
		t.Errorf("ID %v %v", id, err)
	}
	if _, err := c.Status(ctx, "NoSuchBox", "MESSAGES"); err == nil {
		t.Error("STATUS of a missing mailbox succeeded")
	}
}

func TestMessageCommands(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, u := login(t, srv, nil)
	ctx := testCtx(t)
	if err := c.Create(ctx, "Dest"); err != nil {
		t.Fatal(err)
	}
	var msgs []AppendMessage
	for i := 1; i <= 4; i++ {
		m := testMessage(i)
		msgs = append(msgs, AppendMessage{Flags: []imap.Flag{"$Label" + imap.Flag(rune('0'+i))}, Size: int64(len(m)),
			Body: bytes.NewReader(m), Date: time.Date(2024, 3, i, 10, 0, 0, 0, time.UTC)})
	}
	au, err := c.AppendMulti(ctx, "INBOX", msgs)
	if err != nil || au.UIDs.Len() != 4 {
		t.Fatalf("MULTIAPPEND: %+v %v", au, err)
	}
	m := testMessage(9)
	if _, err := c.Append(ctx, "Nope", AppendMessage{Size: int64(len(m)), Body: bytes.NewReader(m)}); !imap.HasCode(err, imap.CodeTryCreate) {
		t.Errorf("APPEND to a missing mailbox: %v", err)
	}
	if _, err := c.Select(ctx, "INBOX", &SelectOptions{CondStore: true}); err != nil {
		t.Fatal(err)
	}
	checkFetchStreaming(t, c, srv, u)
	checkStoreConditional(t, c)
	sr, err := c.UIDSearch(ctx, imap.Atom("HEADER"), imap.AStr("Subject"), imap.AStr("message 3"))
	if err != nil || sr.UIDs.String() != "3" {
		t.Errorf("UID SEARCH: %+v %v", sr, err)
	}
	cu, err := c.UIDMove(ctx, imap.UIDSetOf(1, 2), "Dest")
	if err != nil || cu == nil || cu.Dest.Len() != 2 {
		t.Errorf("UID MOVE: %+v %v", cu, err)
	}
	if got := srv.MailboxStatus(t, u.Name, "Dest")["messages"]; got != "2" {
		t.Errorf("Dest holds %s messages", got)
	}
	cu, err = c.UIDCopy(ctx, imap.UIDSetOf(3), "Dest")
	if err != nil || cu == nil || cu.Source.String() != "3" {
		t.Errorf("UID COPY: %+v %v", cu, err)
	}
	if _, err := c.UIDStore(ctx, imap.UIDSetOf(3), StoreAdd, []imap.Flag{imap.FlagDeleted}, &StoreOptions{Silent: true}); err != nil {
		t.Fatal(err)
	}
	ex, err := c.Expunge(ctx)
	if err != nil || len(ex.Seqs) != 1 || ex.Seqs[0] != 1 {
		t.Errorf("EXPUNGE: %+v %v", ex, err)
	}
	if cu, err := c.Move(ctx, imap.SeqSetOf(1), "Dest"); err != nil || cu == nil || cu.Source.String() != "4" {
		t.Errorf("MOVE by sequence number: %+v %v", cu, err)
	}
	if got := srv.MailboxStatus(t, u.Name, "Dest")["messages"]; got != "4" {
		t.Errorf("Dest holds %s messages, want 4", got)
	}
	if err := c.Unselect(ctx); err != nil || c.State() != StateAuthenticated {
		t.Errorf("UNSELECT: %v, state %v", err, c.State())
	}
	if err := c.Logout(ctx); err != nil {
		t.Errorf("LOGOUT: %v", err)
	}
	if err := c.Noop(ctx); err == nil {
		t.Error("NOOP after LOGOUT succeeded")
	}
}

// checkFetchStreaming fetches bodies through a BodyFunc message by message.
func checkFetchStreaming(t *testing.T, c *Client, srv *testenv.Server, u testenv.User) {
	ctx := testCtx(t)
	var got []string
	var refs []any
	_, err := c.UIDFetch(ctx, imap.UIDRangeSet(1, 0), Items("UID", "FLAGS", "INTERNALDATE", "BODY.PEEK[]"), &FetchOptions{
		Body: func(info BodyInfo, r io.Reader) (any, error) {
			b, err := io.ReadAll(r)
			got = append(got, string(b))
			return info.Seq, err
		},
		OnMessage: func(f *imap.FetchData) error {
			refs = append(refs, f.Section("BODY[]").Value.(imap.Streamed).Ref)
			if f.InternalDate.Day() != int(f.Seq) {
				t.Errorf("message %d INTERNALDATE %v", f.Seq, f.InternalDate)
			}
			return nil
		},
	})
	if err != nil || len(got) != 4 || len(refs) != 4 {
		t.Fatalf("streaming FETCH: %d bodies, %d messages, %v", len(got), len(refs), err)
	}
	if got[2] != string(testMessage(3)) || refs[2] != imap.SeqNum(3) {
		t.Errorf("body 3 %q ref %v", got[2], refs[2])
	}
	if !strings.Contains(string(srv.FetchText(t, u.Name, "INBOX", 1)), "message 1") {
		t.Error("doveadm disagrees")
	}
}

// checkStoreConditional: UNCHANGEDSINCE below the modseq → MODIFIED.
func checkStoreConditional(t *testing.T, c *Client) {
	ctx := testCtx(t)
	res, err := c.UIDStore(ctx, imap.UIDSetOf(4), StoreAdd, []imap.Flag{imap.FlagFlagged}, nil)
	if err != nil || len(res.Fetched) != 1 || res.Fetched[0].ModSeq == 0 {
		t.Fatalf("UID STORE: %+v %v", res, err)
	}
	old := res.Fetched[0].ModSeq - 1
	res, err = c.UIDStore(ctx, imap.UIDSetOf(3, 4), StoreAdd, []imap.Flag{imap.FlagAnswered}, &StoreOptions{UnchangedSince: old})
	if err != nil {
		t.Fatal(err)
	}
	if res.Modified.String() != "4" {
		t.Errorf("MODIFIED %q, want 4", res.Modified.String())
	}
}
