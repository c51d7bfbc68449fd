package imapclient

import (
	"context"
	"fmt"
	"io"

	"github.com/imapdir/imapdir/imap"
)

// BodyInfo describes a body literal handed to a BodyFunc.
type BodyInfo struct {
	Seq    imap.SeqNum // message sequence number
	Item   string      // FETCH item, upper-cased, e.g. "BODY[]", "BODY[HEADER]", "BINARY[1]"
	Size   int64       // bytes in the literal
	Binary bool        // literal8 (RFC 3516)
	// UID is the message's UID when the server sent the UID item before
	// the literal in the same FETCH response (servers answering UID FETCH
	// usually do), else 0: then the UID is known only from the FetchData.
	UID imap.UID
	// ListedSize is the RFC822.SIZE item when it came before the literal,
	// else -1.
	ListedSize int64
}

// BodyFunc receives a body literal as it comes off the socket; it must
// read r (to a file, a hash, io.Discard ...) and may return a reference
// (a file name, ...) that the FetchData's section carries in its Value as
// imap.Streamed{Ref: ref}. Bytes it leaves unread are discarded. It runs
// on the reader goroutine: other responses wait while it runs, and it must
// not wait for a command of the same client. An error stops the calls for
// this command; the FETCH still completes and returns the error.
type BodyFunc func(info BodyInfo, r io.Reader) (ref any, err error)

// FetchOptions tune FETCH.
type FetchOptions struct {
	// ChangedSince only returns messages whose mod-sequence is higher
	// (RFC 7162 §3.1.4.1); MODSEQ is then returned too.
	ChangedSince imap.ModSeq
	// Vanished (UID FETCH with ChangedSince, QRESYNC enabled) also
	// reports UIDs expunged since, in FetchResult.Vanished (RFC 7162 §3.2.6).
	Vanished bool
	// Body streams body literals; nil keeps them in memory as imap.Str.
	Body BodyFunc
	// OnMessage, when set, receives each message as soon as its FETCH
	// response is complete (on the reader goroutine, see BodyFunc), and
	// FetchResult.Messages stays empty. An error stops the calls.
	OnMessage func(*imap.FetchData) error
}

// FetchResult is what a FETCH returned.
type FetchResult struct {
	Messages []*imap.FetchData // when FetchOptions.OnMessage is nil
	Vanished imap.UIDSet       // VANISHED (EARLIER) with FetchOptions.Vanished
}

// Items converts FETCH item names such as "UID", "FLAGS", "BODY.PEEK[]",
// "BODY.PEEK[HEADER.FIELDS (Message-ID)]" into values for Fetch.
func Items(names ...string) []imap.Value {
	out := make([]imap.Value, len(names))
	for i, n := range names {
		out[i] = imap.Raw(n)
	}
	return out
}

// Fetch fetches items of the messages in set (RFC 9051 §6.4.5), message
// by message; see FetchOptions for streaming. Unsolicited FETCH responses
// arriving meanwhile are returned with the others.
func (c *Client) Fetch(ctx context.Context, set imap.SeqSet, items []imap.Value, opts *FetchOptions) (*FetchResult, error) {
	return c.fetch(ctx, []imap.Value{imap.Atom("FETCH"), set}, items, opts)
}

// UIDFetch is Fetch by UID (RFC 9051 §6.4.9); every response carries the UID.
func (c *Client) UIDFetch(ctx context.Context, set imap.UIDSet, items []imap.Value, opts *FetchOptions) (*FetchResult, error) {
	return c.fetch(ctx, []imap.Value{imap.Atom("UID"), imap.Atom("FETCH"), set}, items, opts)
}

func (c *Client) fetch(ctx context.Context, head, items []imap.Value, opts *FetchOptions) (*FetchResult, error) {
	if opts == nil {
		opts = &FetchOptions{}
	}
	args := append(head, imap.List(items))
	if mods := fetchModifiers(opts); len(mods) > 0 {
		args = append(args, mods)
	}
	cmd := newCmd(c, args)
	cmd.body = opts.Body
	res := &FetchResult{}
	var perr firstErr
	var stopped bool
	cmd.claim = func(r *imap.Response) bool {
		switch r.Name() {
		case "FETCH":
			f, err := imap.ParseFetch(r)
			perr.keep(err)
			if err == nil && !stopped {
				stopped = res.add(f, opts, &perr)
			}
			return true
		case "VANISHED":
			v, err := imap.ParseVanished(r)
			if err != nil || !v.Earlier {
				return false
			}
			res.Vanished.AddSet(v.UIDs)
			return true
		}
		return false
	}
	if err := c.start(ctx, cmd); err != nil {
		return nil, err
	}
	_, err := cmd.Wait(ctx)
	return res, perr.join(err)
}

// add stores or hands out one message; it reports whether to stop.
func (res *FetchResult) add(f *imap.FetchData, opts *FetchOptions, perr *firstErr) bool {
	if opts.OnMessage == nil {
		res.Messages = append(res.Messages, f)
		return false
	}
	if err := opts.OnMessage(f); err != nil {
		perr.keep(fmt.Errorf("imapclient: FETCH: message %d: %w", f.Seq, err))
		return true
	}
	return false
}

// fetchModifiers: CHANGEDSINCE (RFC 7162 §3.1.4.1), VANISHED (§3.2.6).
func fetchModifiers(o *FetchOptions) imap.List {
	var mods imap.List
	if o.ChangedSince > 0 {
		mods = append(mods, imap.Atom("CHANGEDSINCE"), imap.Num(uint64(o.ChangedSince)))
		if o.Vanished {
			mods = append(mods, imap.Atom("VANISHED"))
		}
	}
	return mods
}
