package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// Capability asks for the capabilities (RFC 9051 §6.1.1), stores them
// (see Caps) and returns them.
func (c *Client) Capability(ctx context.Context) (imap.CapSet, error) {
	var caps imap.CapSet
	var perr firstErr
	got := false
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		var e error
		caps, e = imap.ParseCapability(r)
		perr.keep(e)
		got = true
	}, "CAPABILITY"), imap.Atom("CAPABILITY"))
	if err = perr.join(err); err != nil {
		return caps, err
	}
	if !got {
		return caps, fmt.Errorf("imapclient: CAPABILITY: the server sent no capabilities")
	}
	c.setCaps(caps)
	return caps, nil
}
