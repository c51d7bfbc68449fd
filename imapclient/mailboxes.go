package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// Create creates a mailbox (RFC 9051 §6.3.4), with special-use attributes
// when given (RFC 6154 §3, CREATE-SPECIAL-USE). An existing mailbox gives
// an error wrapping *imap.Error, usually with the ALREADYEXISTS code.
func (c *Client) Create(ctx context.Context, name string, specialUse ...imap.MailboxAttr) error {
	args := []imap.Value{imap.Atom("CREATE"), imap.Mailbox(name)}
	if len(specialUse) > 0 {
		uses := imap.List{}
		for _, u := range specialUse {
			uses = append(uses, imap.Atom(u))
		}
		args = append(args, imap.List{imap.Atom("USE"), uses})
	}
	_, err := c.run(ctx, nil, args...)
	return err
}

// Delete deletes a mailbox (RFC 9051 §6.3.5).
func (c *Client) Delete(ctx context.Context, name string) error {
	_, err := c.run(ctx, nil, imap.Atom("DELETE"), imap.Mailbox(name))
	return err
}

// Rename renames a mailbox (RFC 9051 §6.3.6); renaming INBOX moves its
// messages into a new mailbox and leaves INBOX empty.
func (c *Client) Rename(ctx context.Context, from, to string) error {
	_, err := c.run(ctx, nil, imap.Atom("RENAME"), imap.Mailbox(from), imap.Mailbox(to))
	return err
}

// Subscribe adds a mailbox to the subscribed set (RFC 9051 §6.3.7).
func (c *Client) Subscribe(ctx context.Context, name string) error {
	_, err := c.run(ctx, nil, imap.Atom("SUBSCRIBE"), imap.Mailbox(name))
	return err
}
