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
