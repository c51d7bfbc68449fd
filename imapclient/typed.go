package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// run sends args with a claim function and waits for completion.
func (c *Client) run(ctx context.Context, claim func(*imap.Response) bool, args ...imap.Value) (*Result, error) {
	cmd := newCmd(c, args)
	cmd.claim = claim
	if err := c.start(ctx, cmd); err != nil {
		return nil, err
	}
	return cmd.Wait(ctx)
}

// claimName returns a claim function taking the responses named name
// (e.g. "LIST") and passing each to f.
func claimName(f func(*imap.Response), names ...string) func(*imap.Response) bool {
	return func(resp *imap.Response) bool {
		n := resp.Name()
		for _, want := range names {
			if n == want {
				f(resp)
				return true
			}
		}
		return false
	}
}

// firstErr keeps the first error of a series of parses.
type firstErr struct{ err error }

func (e *firstErr) keep(err error) {
	if e.err == nil {
		e.err = err
	}
}

// join returns err, or the parse error when the command itself succeeded.
func (e *firstErr) join(err error) error {
	if err != nil {
		return err
	}
	return e.err
}
