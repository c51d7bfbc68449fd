package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// Enable enables extensions (RFC 5161 §3.1), e.g. imap.CapQResync or
// imap.CapUTF8Accept, and returns those the server enabled. Mailbox names
// are sent as UTF-8 from then on when UTF8=ACCEPT was enabled.
func (c *Client) Enable(ctx context.Context, caps ...imap.Cap) ([]imap.Cap, error) {
	args := []imap.Value{imap.Atom("ENABLE")}
	for _, cp := range caps {
		args = append(args, imap.Atom(cp))
	}
	var out []imap.Cap
	var perr firstErr
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		got, e := imap.ParseEnabled(r)
		perr.keep(e)
		out = append(out, got...)
	}, "ENABLED"), args...)
	return out, perr.join(err)
}
