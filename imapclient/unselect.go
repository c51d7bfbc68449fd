package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// Unselect leaves the selected mailbox without expunging (RFC 3691,
// RFC 9051 §6.4.2).
func (c *Client) Unselect(ctx context.Context) error {
	_, err := c.run(ctx, nil, imap.Atom("UNSELECT"))
	return err
}

// CloseMailbox sends CLOSE (RFC 9051 §6.4.1): messages marked \Deleted
// are expunged silently and the mailbox is left.
func (c *Client) CloseMailbox(ctx context.Context) error {
	_, err := c.run(ctx, nil, imap.Atom("CLOSE"))
	return err
}
