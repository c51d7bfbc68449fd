package imapclient

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// withoutCap makes c believe the server lacks cp (fallback paths).
func withoutCap(c *Client, cp imap.Cap) {
	var caps []imap.Cap
	for _, x := range c.Caps().All() {
		if x != cp {
			caps = append(caps, x)
		}
	}
	c.mu.Lock()
	c.caps = imap.NewCapSet(caps...)
	c.mu.Unlock()
}

// TestSequenceCommands covers the sequence-number variants, pipelined
// APPEND without MULTIAPPEND, SUBSCRIBE, CLOSE and a failing BodyFunc.
func TestSequenceCommands(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, u := login(t, srv, nil)
	ctx := testCtx(t)
	withoutCap(c, imap.CapMultiAppend)
	var msgs []AppendMessage
	for i := 1; i <= 3; i++ {
		m := testMessage(i)
		msgs = append(msgs, AppendMessage{Size: int64(len(m)), Body: bytes.NewReader(m)})
	}
	au, err := c.AppendMulti(ctx, "INBOX", msgs)
	if err != nil || au.UIDs.String() != "1:3" {
		t.Fatalf("pipelined APPENDs: %+v %v", au, err)
	}
	if err := c.Create(ctx, "Other"); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, "Other"); err != nil {
		t.Fatal(err)
	}
	if lr, err := c.List(ctx, "", "*", &ListOptions{Subscribed: true}); err != nil || len(lr.Mailboxes) != 1 || lr.Mailboxes[0].Name != "Other" {
		t.Errorf("LIST (SUBSCRIBED): %+v %v", lr, err)
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	sr, err := c.Search(ctx, imap.Atom("SUBJECT"), imap.AStr("message 2"))
	if err != nil || sr.Seqs.String() != "2" {
		t.Errorf("SEARCH: %+v %v", sr, err)
	}
	if cu, err := c.Copy(ctx, imap.SeqSetOf(2), "Other"); err != nil || cu == nil || cu.Source.String() != "2" {
		t.Errorf("COPY: %+v %v", cu, err)
	}
	res, err := c.Store(ctx, imap.SeqRangeSet(1, 2), StoreAdd, []imap.Flag{imap.FlagDeleted}, nil)
	if err != nil || len(res.Fetched) != 2 || !imap.HasFlag(res.Fetched[1].Flags, imap.FlagDeleted) {
		t.Errorf("STORE: %+v %v", res, err)
	}
	checkBodyFuncError(t, c)
	if err := c.CloseMailbox(ctx); err != nil || c.State() != StateAuthenticated {
		t.Fatalf("CLOSE: %v, state %v", err, c.State())
	}
	if st := srv.MailboxStatus(t, u.Name, "INBOX"); st["messages"] != "1" {
		t.Errorf("CLOSE left %s messages, want 1", st["messages"])
	}
}

// checkBodyFuncError: a failing BodyFunc fails the FETCH, not the
// connection; later bodies are drained.
func checkBodyFuncError(t *testing.T, c *Client) {
	boom := errors.New("disk full")
	calls := 0
	_, err := c.Fetch(testCtx(t), imap.SeqRangeSet(1, 3), Items("BODY.PEEK[]"), &FetchOptions{
		Body: func(BodyInfo, io.Reader) (any, error) { calls++; return nil, boom },
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("FETCH with a failing BodyFunc: %v after %d calls", err, calls)
	}
	if err := c.Noop(testCtx(t)); err != nil {
		t.Errorf("NOOP after a failing BodyFunc: %v", err)
	}
}
