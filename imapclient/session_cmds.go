package imapclient

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/imapdir/imapdir/imap"
)

func randInt63n(n int64) int64 { return rand.Int64N(n) }

// Client returns the current connection, waiting (bounded by ctx) while
// the session reconnects. A ctx that ends first gives an error wrapping
// ErrReconnecting and ctx's error; a session that gave up gives its error.
func (s *Session) Client(ctx context.Context) (*Client, error) {
	for {
		s.mu.Lock()
		c, ready, err := s.client, s.ready, s.err
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if c != nil && c.Err() == nil {
			return c, nil
		}
		if c != nil {
			s.markDown(c)
			continue
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrReconnecting, ctx.Err())
		case <-s.closed:
			return nil, fmt.Errorf("imapclient: session closed: %w", ErrClosed)
		}
	}
}

// Do runs f with the current connection (see Client). f's error is
// returned as is; a *ConnError from it means the connection failed during
// f (IsRetryable), and the session reconnects.
func (s *Session) Do(ctx context.Context, f func(*Client) error) error {
	c, err := s.Client(ctx)
	if err != nil {
		return err
	}
	return f(c)
}

// Command runs a generic command on the current connection.
func (s *Session) Command(ctx context.Context, args ...imap.Value) (*Result, error) {
	var res *Result
	err := s.Do(ctx, func(c *Client) error {
		var err error
		res, err = c.Command(ctx, args...)
		return err
	})
	return res, err
}

// Select selects a mailbox and remembers it (with opts' ReadOnly and
// CondStore; QResync is used this time only) to re-select it after a
// reconnect. EventReconnected carries the new SELECT data, whose
// UIDVALIDITY the caller must check.
func (s *Session) Select(ctx context.Context, mailbox string, opts *SelectOptions) (*imap.SelectData, error) {
	var data *imap.SelectData
	err := s.Do(ctx, func(c *Client) error {
		var err error
		data, err = c.Select(ctx, mailbox, opts)
		return err
	})
	if err == nil {
		var keep SelectOptions
		if opts != nil {
			keep = SelectOptions{ReadOnly: opts.ReadOnly, CondStore: opts.CondStore}
		}
		s.mu.Lock()
		s.mailbox, s.selOpts = mailbox, keep
		s.mu.Unlock()
	}
	return data, err
}

// Idle idles (see Client.Idle) until ctx ends, across reconnects: after a
// connection failure it waits for the next connection and idles again.
func (s *Session) Idle(ctx context.Context) error {
	for {
		c, err := s.Client(ctx)
		if err != nil {
			return ctxNil(ctx, err)
		}
		err = c.Idle(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !IsRetryable(err) {
			return err
		}
	}
}

// Close ends the session and closes the connection without LOGOUT.
func (s *Session) Close() error {
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return nil
	default:
	}
	close(s.closed)
	c := s.client
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
	<-s.done
	s.events.close()
	return nil
}
