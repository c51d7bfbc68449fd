package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// ListOptions extend LIST (RFC 5258 LIST-EXTENDED). The zero value sends
// a plain LIST.
type ListOptions struct {
	// Subscribed lists only subscribed mailboxes (selection option).
	Subscribed bool
	// SpecialUse asks for special-use attributes (RFC 6154 §5.1).
	SpecialUse bool
	// Status asks for STATUS data of each mailbox (RFC 5819), e.g.
	// "MESSAGES", "UIDNEXT", "UIDVALIDITY", "HIGHESTMODSEQ".
	Status []string
}

// ListResult holds the mailboxes of a LIST and, with ListOptions.Status,
// their STATUS data keyed by mailbox name.
type ListResult struct {
	Mailboxes []*imap.ListData
	Status    map[string]*imap.StatusData
}

// List lists the mailboxes matching pattern ("*", "%", "Archive/*") under
// ref (usually "") (RFC 9051 §6.3.9). Names are UTF-8.
func (c *Client) List(ctx context.Context, ref, pattern string, opts *ListOptions) (*ListResult, error) {
	if opts == nil {
		opts = &ListOptions{}
	}
	args := []imap.Value{imap.Atom("LIST")}
	if opts.Subscribed {
		args = append(args, imap.List{imap.Atom("SUBSCRIBED")})
	}
	args = append(args, imap.Mailbox(ref), imap.Mailbox(pattern))
	if ret := listReturn(opts); len(ret) > 0 {
		args = append(args, imap.Atom("RETURN"), ret)
	}
	out := &ListResult{}
	var perr firstErr
	utf8 := c.utf8Names()
	_, err := c.run(ctx, func(r *imap.Response) bool {
		switch r.Name() {
		case "LIST":
			l, e := imap.ParseList(r, utf8)
			perr.keep(e)
			if e == nil {
				out.Mailboxes = append(out.Mailboxes, l)
			}
			return true
		case "STATUS":
			if len(opts.Status) == 0 {
				return false
			}
			s, e := imap.ParseStatus(r, utf8)
			perr.keep(e)
			if e == nil {
				if out.Status == nil {
					out.Status = map[string]*imap.StatusData{}
				}
				out.Status[s.Mailbox] = s
			}
			return true
		}
		return false
	}, args...)
	return out, perr.join(err)
}

// listReturn builds the RETURN options (RFC 5258 §3.2, RFC 5819).
func listReturn(o *ListOptions) imap.List {
	var ret imap.List
	if o.SpecialUse {
		ret = append(ret, imap.Atom("SPECIAL-USE"))
	}
	if len(o.Status) > 0 {
		items := imap.List{}
		for _, s := range o.Status {
			items = append(items, imap.Atom(s))
		}
		ret = append(ret, imap.Atom("STATUS"), items)
	}
	return ret
}
