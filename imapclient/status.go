package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// Status asks for items ("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
// "HIGHESTMODSEQ", ...) of a mailbox that need not be selected
// (RFC 9051 §6.3.11).
func (c *Client) Status(ctx context.Context, mailbox string, items ...string) (*imap.StatusData, error) {
	list := imap.List{}
	for _, it := range items {
		list = append(list, imap.Atom(it))
	}
	var out *imap.StatusData
	var perr firstErr
	utf8 := c.utf8Names()
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		var e error
		out, e = imap.ParseStatus(r, utf8)
		perr.keep(e)
	}, "STATUS"), imap.Atom("STATUS"), imap.Mailbox(mailbox), list)
	if err = perr.join(err); err == nil && out == nil {
		err = fmt.Errorf("imapclient: STATUS %q: the server sent no status data", mailbox)
	}
	return out, err
}
