package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// ExpungeResult lists what an EXPUNGE removed: sequence numbers, each
// valid at the moment it was reported (RFC 9051 §7.5.1), or UIDs when
// QRESYNC is enabled (VANISHED, RFC 7162 §3.2.10).
type ExpungeResult struct {
	Seqs []imap.SeqNum
	UIDs imap.UIDSet
}

// Expunge removes every message marked \Deleted (RFC 9051 §6.4.3).
func (c *Client) Expunge(ctx context.Context) (*ExpungeResult, error) {
	return c.expunge(ctx, imap.Atom("EXPUNGE"))
}

// UIDExpunge removes the messages of set that are marked \Deleted
// (RFC 4315 §2.1, RFC 9051 §6.4.9).
func (c *Client) UIDExpunge(ctx context.Context, set imap.UIDSet) (*ExpungeResult, error) {
	return c.expunge(ctx, imap.Atom("UID"), imap.Atom("EXPUNGE"), set)
}

func (c *Client) expunge(ctx context.Context, args ...imap.Value) (*ExpungeResult, error) {
	out := &ExpungeResult{}
	var perr firstErr
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		if r.Name() == "EXPUNGE" {
			n, _ := r.Num()
			out.Seqs = append(out.Seqs, imap.SeqNum(n))
			return
		}
		v, e := imap.ParseVanished(r)
		perr.keep(e)
		out.UIDs.AddSet(v.UIDs)
	}, "EXPUNGE", "VANISHED"), args...)
	return out, perr.join(err)
}
