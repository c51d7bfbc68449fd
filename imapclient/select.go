package imapclient

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
)

// SelectOptions tune SELECT and EXAMINE.
type SelectOptions struct {
	// ReadOnly sends EXAMINE instead of SELECT (RFC 9051 §6.3.3).
	ReadOnly bool
	// CondStore sends the CONDSTORE parameter (RFC 7162 §3.1.8) so that
	// HIGHESTMODSEQ is reported.
	CondStore bool
	// QResync, when set, sends the QRESYNC parameter (RFC 7162 §3.2.5):
	// the reply then holds VANISHED (EARLIER) for expunged UIDs and FETCH
	// for messages changed since ModSeq. QRESYNC is enabled first if it
	// was not.
	QResync *QResync
}

// QResync is the client's cached state of a mailbox (RFC 7162 §3.2.5).
type QResync struct {
	UIDValidity uint32
	ModSeq      imap.ModSeq
	KnownUIDs   imap.UIDSet // optional: the UIDs the client knows
	// SeqMatch optionally pairs known sequence numbers with their UIDs.
	SeqMatchSeqs imap.SeqSet
	SeqMatchUIDs imap.UIDSet
}

// Select selects a mailbox (RFC 9051 §6.3.2), or examines it with
// opts.ReadOnly, and returns what the server reported, including, with
// QRESYNC, the vanished UIDs and changed messages. On failure no mailbox
// is selected.
func (c *Client) Select(ctx context.Context, mailbox string, opts *SelectOptions) (*imap.SelectData, error) {
	if opts == nil {
		opts = &SelectOptions{}
	}
	if err := c.ensureQResync(ctx, opts); err != nil {
		return nil, err
	}
	args := selectArgs(mailbox, opts)
	data := &imap.SelectData{}
	var perr firstErr
	res, err := c.run(ctx, func(r *imap.Response) bool {
		claimed, e := data.Apply(r)
		perr.keep(e)
		return claimed
	}, args...)
	if err != nil {
		return nil, err // the reader deselected (noteState)
	}
	if _, e := data.Apply(res.Tagged); e != nil {
		perr.keep(e)
	}
	return data, perr.err
}

func selectArgs(mailbox string, opts *SelectOptions) []imap.Value {
	verb := imap.Atom("SELECT")
	if opts.ReadOnly {
		verb = "EXAMINE"
	}
	args := []imap.Value{verb, imap.Mailbox(mailbox)}
	var params imap.List
	if opts.CondStore && opts.QResync == nil {
		params = append(params, imap.Atom("CONDSTORE"))
	}
	if q := opts.QResync; q != nil {
		p := imap.List{imap.Num(uint64(q.UIDValidity)), imap.Num(uint64(q.ModSeq))}
		if !q.KnownUIDs.IsEmpty() {
			p = append(p, q.KnownUIDs)
			if !q.SeqMatchSeqs.IsEmpty() {
				p = append(p, imap.List{q.SeqMatchSeqs, q.SeqMatchUIDs})
			}
		}
		params = append(params, imap.Atom("QRESYNC"), p)
	}
	if len(params) > 0 {
		args = append(args, params)
	}
	return args
}

// ensureQResync enables QRESYNC before a SELECT that uses it (RFC 7162
// §3.2.3: the parameter is only allowed once enabled).
func (c *Client) ensureQResync(ctx context.Context, opts *SelectOptions) error {
	if opts.QResync == nil || c.Enabled().Has(imap.CapQResync) {
		return nil
	}
	if !c.Caps().Has(imap.CapQResync) {
		return fmt.Errorf("imapclient: SELECT with QRESYNC: the server does not offer QRESYNC")
	}
	_, err := c.Enable(ctx, imap.CapQResync)
	return err
}

func (c *Client) setSelected(mailbox string, readOnly bool, exists uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mailbox, c.readOnly, c.exists = mailbox, readOnly, exists
	if c.state == StateLogout {
		return
	}
	if mailbox == "" {
		c.state = StateAuthenticated
	} else {
		c.state = StateSelected
	}
}
