package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// Search returns the sequence numbers of the messages matching criteria
// (RFC 9051 §6.4.4), e.g. imap.Atom("UNSEEN") or imap.Atom("HEADER"),
// imap.AStr("Message-ID"), imap.AStr(id). With ESEARCH (RFC 4731) the
// result is asked for as RETURN (ALL), a compact set. When a criterion
// holds text that is not ASCII and criteria do not start with CHARSET,
// "CHARSET UTF-8" is sent first (RFC 9051 §6.4.4: UTF-8 is a charset
// every server supports).
func (c *Client) Search(ctx context.Context, criteria ...imap.Value) (*imap.SearchData, error) {
	return c.search(ctx, false, criteria)
}

// UIDSearch is Search returning UIDs (RFC 9051 §6.4.9).
func (c *Client) UIDSearch(ctx context.Context, criteria ...imap.Value) (*imap.SearchData, error) {
	return c.search(ctx, true, criteria)
}

func (c *Client) search(ctx context.Context, uid bool, criteria []imap.Value) (*imap.SearchData, error) {
	var args []imap.Value
	if uid {
		args = append(args, imap.Atom("UID"))
	}
	args = append(args, imap.Atom("SEARCH"))
	if c.Caps().Has(imap.CapESearch) {
		args = append(args, imap.Atom("RETURN"), imap.List{imap.Atom("ALL")})
	}
	if needsCharset(criteria) {
		args = append(args, imap.Atom("CHARSET"), imap.Atom("UTF-8"))
	}
	args = append(args, criteria...)
	out := &imap.SearchData{UID: uid}
	var perr firstErr
	_, err := c.run(ctx, claimName(func(r *imap.Response) {
		d, e := imap.ParseSearch(r, uid)
		perr.keep(e)
		if e == nil {
			d.UID = d.UID || uid
			out = mergeSearch(out, d)
		}
	}, "SEARCH", "ESEARCH"), args...)
	return out, perr.join(err)
}

// mergeSearch folds d into acc (a server may split SEARCH results).
func mergeSearch(acc, d *imap.SearchData) *imap.SearchData {
	acc.UIDs.AddSet(d.UIDs)
	acc.Seqs.AddSet(d.Seqs)
	if d.UID && !d.Seqs.IsEmpty() { // ESEARCH without UID keyword after UID SEARCH
		for n := range d.Seqs.All() {
			acc.UIDs.AddNum(imap.UID(n))
		}
	}
	acc.Min, acc.Max, acc.ModSeq = max(acc.Min, d.Min), max(acc.Max, d.Max), max(acc.ModSeq, d.ModSeq)
	if d.HasCount {
		acc.Count, acc.HasCount = d.Count, true
	}
	return acc
}

// needsCharset reports whether criteria hold non-ASCII text and do not
// name a charset themselves.
func needsCharset(criteria []imap.Value) bool {
	if len(criteria) > 0 && imap.IsAtomNamed(criteria[0], "CHARSET") {
		return false
	}
	return !asciiValues(criteria)
}

func asciiValues(vals []imap.Value) bool {
	for _, v := range vals {
		var s string
		switch v := v.(type) {
		case imap.Str:
			s = string(v)
		case imap.AStr:
			s = string(v)
		case imap.Raw:
			s = string(v)
		case imap.List:
			if !asciiValues(v) {
				return false
			}
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}
