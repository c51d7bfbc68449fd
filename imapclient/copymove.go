package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// UIDCopy copies messages to dest (RFC 9051 §6.4.7) and returns the
// COPYUID data (RFC 4315), nil when the server sent none.
func (c *Client) UIDCopy(ctx context.Context, set imap.UIDSet, dest string) (*imap.CopyUIDData, error) {
	res, err := c.run(ctx, nil, imap.Atom("UID"), imap.Atom("COPY"), set, imap.Mailbox(dest))
	if err != nil {
		return nil, err
	}
	return copyUID(res.Tagged)
}

// Copy copies messages by sequence number (RFC 9051 §6.4.7).
func (c *Client) Copy(ctx context.Context, set imap.SeqSet, dest string) (*imap.CopyUIDData, error) {
	res, err := c.run(ctx, nil, imap.Atom("COPY"), set, imap.Mailbox(dest))
	if err != nil {
		return nil, err
	}
	return copyUID(res.Tagged)
}

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
	}, imap.Atom("UID"), imap.Atom("MOVE"), set, imap.Mailbox(dest))
	if err != nil {
		return nil, err
	}
	if cu == nil { // some servers put COPYUID on the tagged OK
		return copyUID(res.Tagged)
	}
	return cu, perr.err
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

func copyUID(tagged *imap.Response) (*imap.CopyUIDData, error) {
	if tagged == nil || tagged.Code != imap.CodeCopyUID {
		return nil, nil
	}
	d, err := imap.ParseCopyUID(tagged.CodeArgs)
	if err != nil {
		return nil, fmt.Errorf("imapclient: COPYUID: %w", err)
	}
	return &d, nil
}
