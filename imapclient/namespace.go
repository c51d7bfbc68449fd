package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// Namespace asks for the personal, other users' and shared namespaces
// (RFC 2342, RFC 9051 §6.3.10).
func (c *Client) Namespace(ctx context.Context) (*imap.NamespaceData, error) {
	var out *imap.NamespaceData
	var perr firstErr
	utf8 := c.utf8Names()
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		var e error
		out, e = imap.ParseNamespace(r, utf8)
		perr.keep(e)
	}, "NAMESPACE"), imap.Atom("NAMESPACE"))
	if err = perr.join(err); err == nil && out == nil {
		err = fmt.Errorf("imapclient: NAMESPACE: the server sent no namespace data")
	}
	return out, err
}
