package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// UIDMove moves messages to dest with MOVE (RFC 6851) and returns the
// COPYUID data. Without MOVE it falls back to UID COPY, UID STORE
// +FLAGS.SILENT (\Deleted) and UID EXPUNGE, which needs UIDPLUS so that
// no other message marked \Deleted is expunged; without UIDPLUS it refuses.
// The expunges reach the Handler as unilateral data.
func (c *Client) UIDMove(ctx context.Context, set imap.UIDSet, dest string) (*imap.CopyUIDData, error) {
	caps := c.Caps()
	if !caps.Has(imap.CapMove) {
		return c.moveFallback(ctx, set, dest, caps)
	}
	return c.move(ctx, imap.Atom("UID"), imap.Atom("MOVE"), set, imap.Mailbox(dest))
}

func (c *Client) moveFallback(ctx context.Context, set imap.UIDSet, dest string, caps imap.CapSet) (*imap.CopyUIDData, error) {
	if !caps.Has(imap.CapUIDPlus) {
		return nil, fmt.Errorf("imapclient: UID MOVE to %q: server has neither MOVE nor UIDPLUS (UID EXPUNGE)", dest)
	}
	cu, err := c.UIDCopy(ctx, set, dest)
	if err != nil {
		return nil, err
	}
	if _, err := c.UIDStore(ctx, set, StoreAdd, []imap.Flag{imap.FlagDeleted}, &StoreOptions{Silent: true}); err != nil {
		return cu, fmt.Errorf("imapclient: UID MOVE fallback: copied, but marking the originals failed: %w", err)
	}
	if _, err := c.UIDExpunge(ctx, set); err != nil {
		return cu, fmt.Errorf("imapclient: UID MOVE fallback: copied, but expunging the originals failed: %w", err)
	}
	return cu, nil
}

// Move moves messages by sequence number with MOVE (RFC 6851 §3.1). There
// is no fallback: without MOVE, use UIDMove, whose fallback expunges only
// the moved messages.
func (c *Client) Move(ctx context.Context, set imap.SeqSet, dest string) (*imap.CopyUIDData, error) {
	if !c.Caps().Has(imap.CapMove) {
		return nil, fmt.Errorf("imapclient: MOVE to %q: server does not offer MOVE; use UIDMove", dest)
	}
	return c.move(ctx, imap.Atom("MOVE"), set, imap.Mailbox(dest))
}

// move runs MOVE or UID MOVE and collects COPYUID, which arrives in an
// untagged OK before the expunges (RFC 6851 §4.3) or, with some servers,
// on the tagged OK.
func (c *Client) move(ctx context.Context, args ...imap.Value) (*imap.CopyUIDData, error) {
	var cu *imap.CopyUIDData
	var perr firstErr
	res, err := c.run(ctx, func(r *imap.Response) bool {
		if r.Name() != "OK" || r.Code != imap.CodeCopyUID {
			return false
		}
		d, e := imap.ParseCopyUID(r.CodeArgs)
		perr.keep(e)
		cu = &d
		return true
	}, args...)
	if err != nil {
		return nil, err
	}
	if cu == nil {
		return copyUID(res.Tagged)
	}
	return cu, perr.err
}
