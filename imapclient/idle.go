package imapclient

import (
	"context"
	"errors"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// Idle keeps the connection in IDLE (RFC 2177) until ctx ends, so that
// the server pushes mailbox changes, which reach the Handler. Any command
// issued meanwhile (from any goroutine) ends the IDLE with DONE, runs, and
// IDLE resumes once no command has been active for Options.IdleGrace.
// Each IDLE is restarted after Options.IdleRestart (default 28 minutes;
// servers may drop a client idle for 30, RFC 2177 §3). Without the IDLE capability, Idle sends NOOP every
// Options.PollInterval instead. Idle returns nil when ctx ends and the
// connection's error if it fails.
func (c *Client) Idle(ctx context.Context) error {
	if !c.idleOn.CompareAndSwap(false, true) {
		return ErrIdleRunning
	}
	defer c.idleOn.Store(false)
	if !c.Caps().Has(imap.CapIdle) {
		return c.poll(ctx)
	}
	for {
		if err := c.waitQuiet(ctx); err != nil {
			return ctxNil(ctx, err)
		}
		if quiet, err := c.grace(ctx); err != nil || !quiet {
			if err != nil {
				return ctxNil(ctx, err)
			}
			continue
		}
		cmd, err := c.enterIdle(ctx)
		if err != nil {
			return ctxNil(ctx, err)
		}
		if cmd == nil {
			continue // a command became active meanwhile
		}
		if err := c.idleOnce(ctx, cmd); err != nil {
			return ctxNil(ctx, err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// ctxNil turns an error caused by ctx's end into nil.
func ctxNil(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return nil
	}
	return err
}

// idleOnce waits while one IDLE command runs; it ends it with DONE when
// ctx ends or the restart timer fires.
func (c *Client) idleOnce(ctx context.Context, cmd *Cmd) error {
	timer := time.NewTimer(c.opts.IdleRestart)
	defer timer.Stop()
	select {
	case <-cmd.done: // another command sent DONE, or the server ended it
		return cmd.err
	case <-ctx.Done():
	case <-timer.C:
	}
	if err := c.lockWrite(context.Background()); err != nil {
		return err
	}
	err := c.stopIdle(context.Background())
	c.unlockWrite()
	if err != nil {
		return err
	}
	select {
	case <-cmd.done:
	case <-c.closed:
	}
	return nil
}

// grace waits Options.IdleGrace and reports whether no command was
// entered meanwhile (then IDLE may start).
func (c *Client) grace(ctx context.Context) (bool, error) {
	if c.opts.IdleGrace <= 0 {
		return true, nil
	}
	c.mu.Lock()
	n := c.entered
	c.mu.Unlock()
	t := time.NewTimer(c.opts.IdleGrace)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-c.closed:
		return false, c.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entered == n && c.active == 0, nil
}

// waitQuiet waits until no command is queued or in flight.
func (c *Client) waitQuiet(ctx context.Context) error {
	for {
		c.mu.Lock()
		if c.closeErr != nil {
			err := c.closeErr
			c.mu.Unlock()
			return err
		}
		if c.active == 0 {
			c.mu.Unlock()
			return nil
		}
		ch := c.quiet
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.closed:
		}
	}
}

// enterIdle sends IDLE and waits for its continuation request; it returns
// nil, nil when a command became active before IDLE could be sent.
func (c *Client) enterIdle(ctx context.Context) (*Cmd, error) {
	cmd := newCmd(c, []imap.Value{imap.Atom("IDLE")})
	cmd.idle = true
	if err := c.lockWrite(ctx); err != nil {
		return nil, err
	}
	defer c.unlockWrite()
	c.mu.Lock()
	busy := c.active > 0
	c.mu.Unlock()
	if busy {
		return nil, nil
	}
	if err := c.write(ctx, cmd); err != nil {
		return nil, err
	}
	cmd.ctx = nil // the "+" is awaited whatever ctx does: IDLE is sent
	err := cmd.waitCont()
	c.clearContTarget(cmd)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	select {
	case <-cmd.done:
	default:
		c.idling = cmd
	}
	c.mu.Unlock()
	return cmd, nil
}

// stopIdle sends DONE if an IDLE is in progress (RFC 2177 §3). The
// caller holds the write lock. The next command may follow at once: the
// server completes IDLE before reading it.
func (c *Client) stopIdle(ctx context.Context) error {
	c.mu.Lock()
	cmd := c.idling
	c.idling = nil
	c.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := c.enc.WriteLine("DONE"); err != nil {
		err = &ConnError{Op: "write", Err: err}
		c.closeWith(err)
		return err
	}
	return nil
}

// poll sends NOOP every PollInterval until ctx ends (no IDLE capability).
func (c *Client) poll(ctx context.Context) error {
	t := time.NewTicker(c.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.closed:
			return c.Err()
		case <-t.C:
			if err := c.Noop(ctx); err != nil {
				return ctxNil(ctx, err)
			}
		}
	}
}
