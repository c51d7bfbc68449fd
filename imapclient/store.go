package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// StoreOp is the flag operation of STORE (RFC 9051 §6.4.6).
type StoreOp string

// Store operations.
const (
	StoreAdd     StoreOp = "+FLAGS"
	StoreRemove  StoreOp = "-FLAGS"
	StoreReplace StoreOp = "FLAGS"
)

// StoreOptions tune STORE.
type StoreOptions struct {
	// Silent asks the server not to send the new flags (.SILENT).
	Silent bool
	// UnchangedSince makes the store conditional (RFC 7162 §3.1.3):
	// messages whose mod-sequence is higher are left alone and reported
	// in StoreResult.Modified. Zero: unconditional.
	UnchangedSince imap.ModSeq
}

// StoreResult is what a STORE returned.
type StoreResult struct {
	Fetched []*imap.FetchData // new flags (and MODSEQ) unless Silent
	// Modified lists the messages a conditional store did not change
	// (MODIFIED code): UIDs for UIDStore, sequence numbers (as a UIDSet's
	// numbers) for Store.
	Modified imap.UIDSet
}

// Store changes flags of the messages in set (RFC 9051 §6.4.6).
func (c *Client) Store(ctx context.Context, set imap.SeqSet, op StoreOp, flags []imap.Flag, opts *StoreOptions) (*StoreResult, error) {
	return c.store(ctx, []imap.Value{imap.Atom("STORE"), set}, op, flags, opts)
}

// UIDStore is Store by UID (RFC 9051 §6.4.9).
func (c *Client) UIDStore(ctx context.Context, set imap.UIDSet, op StoreOp, flags []imap.Flag, opts *StoreOptions) (*StoreResult, error) {
	return c.store(ctx, []imap.Value{imap.Atom("UID"), imap.Atom("STORE"), set}, op, flags, opts)
}

func (c *Client) store(ctx context.Context, head []imap.Value, op StoreOp, flags []imap.Flag, opts *StoreOptions) (*StoreResult, error) {
	fl := imap.List{}
	for _, f := range flags {
		fl = append(fl, f)
	}
	return c.storeItem(ctx, head, string(op), fl, opts)
}

// storeItem runs STORE with any item (FLAGS, X-GM-LABELS …, with its
// +/- prefix) and its list of values.
func (c *Client) storeItem(ctx context.Context, head []imap.Value, item string, vals imap.List, opts *StoreOptions) (*StoreResult, error) {
	if opts == nil {
		opts = &StoreOptions{}
	}
	args := head
	if opts.UnchangedSince > 0 {
		args = append(args, imap.List{imap.Atom("UNCHANGEDSINCE"), imap.Num(uint64(opts.UnchangedSince))})
	}
	if opts.Silent {
		item += ".SILENT"
	}
	args = append(args, imap.Atom(item), vals)
	out := &StoreResult{}
	var perr firstErr
	res, err := c.run(ctx, claimName(func(r *imap.Response) {
		f, e := imap.ParseFetch(r)
		perr.keep(e)
		if e == nil {
			out.Fetched = append(out.Fetched, f)
		}
	}, "FETCH"), args...)
	if res != nil && res.Tagged != nil && res.Tagged.Code == imap.CodeModified {
		m, e := imap.ParseModified(res.Tagged.CodeArgs)
		perr.keep(e)
		out.Modified = m
	}
	return out, perr.join(err)
}
