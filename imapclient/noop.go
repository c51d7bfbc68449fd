package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// Noop sends NOOP (RFC 9051 §6.1.2); pending mailbox updates arrive as
// unilateral data for the Handler.
func (c *Client) Noop(ctx context.Context) error {
	_, err := c.run(ctx, nil, imap.Atom("NOOP"))
	return err
}
