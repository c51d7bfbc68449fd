package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// Logout sends LOGOUT (RFC 9051 §6.1.3) and closes the connection. The
// server's BYE is expected and not reported as an error.
func (c *Client) Logout(ctx context.Context) error {
	cmd := newCmd(c, []imap.Value{imap.Atom("LOGOUT")})
	cmd.claim = func(r *imap.Response) bool { return r.Name() == "BYE" }
	cmd.onTagged = func(*imap.Response) {
		c.closeWith(fmt.Errorf("imapclient: logged out: %w", ErrClosed))
	}
	if err := c.start(ctx, cmd); err != nil {
		return err
	}
	_, err := cmd.Wait(ctx)
	c.Close()
	return err
}
