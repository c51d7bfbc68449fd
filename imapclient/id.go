package imapclient

import (
	"context"
	"slices"

	"github.com/imapdir/imapdir/imap"
)

// ID exchanges identification with the server (RFC 2971 §3.1): fields
// (e.g. "name", "version"; nil sends NIL) and returns the server's, nil
// when it sent NIL.
func (c *Client) ID(ctx context.Context, fields map[string]string) (map[string]string, error) {
	arg := imap.Value(imap.NIL)
	if fields != nil {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		l := imap.List{}
		for _, k := range keys {
			l = append(l, imap.Str(k), imap.Str(fields[k]))
		}
		arg = l
	}
	var out map[string]string
	var perr firstErr
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		var e error
		out, e = imap.ParseID(r)
		perr.keep(e)
	}, "ID"), imap.Atom("ID"), arg)
	return out, perr.join(err)
}
