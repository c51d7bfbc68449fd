package imapclient

import (
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

func TestSmoke(t *testing.T) {
	srv := testenv.Dovecot(t)
	var tr traceBuf
	c, u := login(t, srv, &Options{TraceWriter: &tr})
	ctx := testCtx(t)
	srv.SaveMessages(t, u.Name, "INBOX", testMessage(1), testMessage(2))
	sel, err := c.Select(ctx, "INBOX", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Exists != 2 {
		t.Errorf("exists %d", sel.Exists)
	}
	res, err := c.UIDFetch(ctx, imap.UIDRangeSet(1, 0), Items("UID", "FLAGS", "ENVELOPE", "BODY.PEEK[]"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 2 || res.Messages[1].Envelope.Subject != "message 2" {
		t.Errorf("fetch: %+v", res.Messages)
	}
	t.Log(tr.String())
}
