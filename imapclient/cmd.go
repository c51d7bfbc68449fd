package imapclient

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// Cmd is a command that was sent (or is queued to be sent) and whose
// completion is awaited with Wait. A Cmd is created by Client.Start or by
// the typed methods; it is used by one goroutine.
type Cmd struct {
	c    *Client
	args []imap.Value
	name string // "FETCH", "UID FETCH", ...
	tag  string

	// claim, when set, is offered each untagged response that arrives
	// while the command is in flight, on the reader goroutine; returning
	// true takes it away from later commands and from the Handler.
	claim func(*imap.Response) bool
	// collect keeps every untagged response of the command's lifetime
	// (generic commands).
	collect bool
	// body receives the command's body literals (FETCH streaming).
	body BodyFunc
	// onTagged runs on the reader goroutine right after the tagged
	// response, before the next response is read (COMPRESS).
	onTagged func(*imap.Response)
	// sasl drives the continuation exchange of AUTHENTICATE.
	sasl func(challenge string) (string, error)
	// idle marks the IDLE command: no in-flight slot.
	idle bool
	// route says which untagged data is the command's (route.go); set
	// when the command is written.
	route route
	// searchTurn: the command holds the connection's turn for commands
	// answered by an untagged SEARCH/SORT/THREAD (route.go).
	searchTurn bool

	ctx       context.Context // the sender's ctx, while the command is written
	sent      time.Time       // when it was registered and written
	cont      chan *imap.Response
	done      chan struct{}
	untagged  []*imap.Response
	tagged    *imap.Response
	err       error
	bodyErr   error
	abandoned atomic.Bool
	mu        sync.Mutex // serializes claim calls with abandonment
	slot      bool
}

// Result is what a command produced: its tagged completion and the
// untagged responses collected for it, as Value trees.
type Result struct {
	Tagged   *imap.Response
	Untagged []*imap.Response
}

// Code returns the response code of the tagged response and its arguments.
func (r *Result) Code() (imap.ResponseCode, []imap.Value) {
	if r == nil || r.Tagged == nil {
		return "", nil
	}
	return r.Tagged.Code, r.Tagged.CodeArgs
}

func newCmd(c *Client, args []imap.Value) *Cmd {
	name := nameOf(args)
	return &Cmd{c: c, args: args, name: name, cont: make(chan *imap.Response, 1), done: make(chan struct{})}
}

// Start sends the command made of args (e.g. imap.Atom("NOOP")) without
// waiting for its completion, and returns it. It waits, bounded by ctx,
// for an in-flight slot (Options.MaxInFlight) and for its turn to write;
// an IDLE in progress is ended first. The command collects every untagged
// response received while it is in flight (they are also delivered to the
// Handler when they are unilateral). Call Wait to get the result.
func (c *Client) Start(ctx context.Context, args ...imap.Value) (*Cmd, error) {
	cmd := newCmd(c, args)
	cmd.collect = true
	if err := c.start(ctx, cmd); err != nil {
		return nil, err
	}
	return cmd, nil
}

// Command sends the command made of args and waits for its completion. It
// returns the tagged response and the untagged responses that belong to it
// (use Result.Typed or the imap.Parse functions for typed data). A tagged
// NO or BAD is returned as an error wrapping *imap.Error, along with the
// result. Any command can be sent this way, extensions included, except
// those that need a client-driven continuation exchange: use Authenticate
// and Idle for AUTHENTICATE and IDLE.
func (c *Client) Command(ctx context.Context, args ...imap.Value) (*Result, error) {
	cmd, err := c.Start(ctx, args...)
	if err != nil {
		return nil, err
	}
	return cmd.Wait(ctx)
}

// Tag returns the tag the command was sent with.
func (cmd *Cmd) Tag() string { return cmd.tag }

// Done returns a channel closed when the command completed.
func (cmd *Cmd) Done() <-chan struct{} { return cmd.done }

// Wait waits for the command to complete and returns its result. If ctx
// ends first, Wait returns ctx's error and the command is abandoned: its
// responses are still read and dropped, and its in-flight slot is freed
// when the server completes it.
func (cmd *Cmd) Wait(ctx context.Context) (*Result, error) {
	select {
	case <-cmd.done:
	case <-ctx.Done():
		select {
		case <-cmd.done:
		default:
			cmd.mu.Lock() // waits for a claim in progress (runClaim)
			cmd.abandoned.Store(true)
			cmd.mu.Unlock()
			return nil, fmt.Errorf("imapclient: %s %s abandoned: %w", cmd.tag, cmd.name, ctx.Err())
		}
	}
	res := &Result{Tagged: cmd.tagged, Untagged: cmd.untagged}
	if cmd.err != nil {
		return res, cmd.err
	}
	if cmd.bodyErr != nil {
		return res, fmt.Errorf("imapclient: %s %s: body callback: %w", cmd.tag, cmd.name, cmd.bodyErr)
	}
	return res, nil
}

// start enters, queues and writes cmd.
func (c *Client) start(ctx context.Context, cmd *Cmd) error {
	if err := c.enter(); err != nil {
		return err
	}
	if err := c.acquire(ctx, cmd); err != nil {
		c.leave(cmd)
		return err
	}
	err := c.write(ctx, cmd)
	c.unlockWrite()
	return err
}

// enter counts the command as active so that IDLE is not (re)entered.
func (c *Client) enter() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		return c.closeErr
	}
	if c.active == 0 {
		c.quiet = make(chan struct{})
	}
	c.active++
	c.entered++
	return nil
}

// leave undoes enter (and frees the slot) once cmd is finished.
func (c *Client) leave(cmd *Cmd) {
	if cmd.searchTurn {
		cmd.searchTurn = false
		<-c.searchTurn
	}
	if cmd.slot {
		cmd.slot = false
		<-c.slots
	}
	if cmd.idle {
		return
	}
	c.mu.Lock()
	c.active--
	if c.active == 0 {
		close(c.quiet)
	}
	c.mu.Unlock()
}

// acquire takes an in-flight slot and the write lock, bounded by ctx, and
// ends an IDLE in progress.
func (c *Client) acquire(ctx context.Context, cmd *Cmd) error {
	if err := c.takeSearchTurn(ctx, cmd); err != nil {
		return err
	}
	if !cmd.idle {
		select {
		case c.slots <- struct{}{}:
			cmd.slot = true
		case <-ctx.Done():
			return fmt.Errorf("imapclient: %s queued: %w", cmd.name, ctx.Err())
		case <-c.closed:
			return c.Err()
		}
	}
	if err := c.lockWrite(ctx); err != nil {
		return fmt.Errorf("imapclient: %s queued: %w", cmd.name, err)
	}
	if err := c.stopIdle(ctx); err != nil {
		c.unlockWrite()
		return err
	}
	return nil
}

// takeSearchTurn waits, bounded by ctx, until no other command that is
// answered by an untagged SEARCH, SORT or THREAD is in flight, when cmd is
// one: such answers carry no correlator, so only one may be outstanding
// (route.go). With ESEARCH and a RETURN option the answer is an ESEARCH
// tagged with the command's tag, and no turn is needed.
func (c *Client) takeSearchTurn(ctx context.Context, cmd *Cmd) error {
	if !untaggedSearch(cmd.name, cmd.args) {
		return nil
	}
	select {
	case c.searchTurn <- struct{}{}:
		cmd.searchTurn = true
		return nil
	case <-ctx.Done():
		return fmt.Errorf("imapclient: %s queued behind another search: %w", cmd.name, ctx.Err())
	case <-c.closed:
		return c.Err()
	}
}

// untaggedSearch reports whether a command may be answered by an untagged
// SEARCH, SORT or THREAD response: those commands without RETURN.
func untaggedSearch(name string, args []imap.Value) bool {
	switch name {
	case "SEARCH", "UID SEARCH", "SORT", "UID SORT", "THREAD", "UID THREAD":
	default:
		return false
	}
	for _, a := range args {
		if imap.IsAtomNamed(a, "RETURN") {
			return false
		}
	}
	return true
}

func (c *Client) lockWrite(ctx context.Context) error {
	select {
	case c.wlock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closed:
		return c.Err()
	}
}

func (c *Client) unlockWrite() { <-c.wlock }

// write registers cmd under a new tag and writes it. Caller holds wlock.
// If ctx ends while the command is half written, the connection is closed:
// a half-sent command cannot be taken back.
func (c *Client) write(ctx context.Context, cmd *Cmd) error {
	c.mu.Lock()
	if err := c.closeErr; err != nil || ctx.Err() != nil {
		c.mu.Unlock()
		c.leave(cmd)
		if err == nil {
			err = fmt.Errorf("imapclient: %s not sent: %w", cmd.name, ctx.Err())
		}
		return err
	}
	c.tagSeq++
	cmd.tag = "A" + strconv.FormatUint(c.tagSeq, 10)
	cmd.sent = time.Now()
	c.inflight = append(c.inflight, cmd)
	c.peakInflight = max(c.peakInflight, len(c.inflight))
	c.contTarget = cmd
	eo := c.encoderOptions()
	c.enc.SetOptions(eo)
	cmd.route = newRoute(cmd.name, cmd.args, eo.UTF8)
	c.mu.Unlock()
	wargs, label := c.traceCommand(cmd.tag, cmd.args, eo)
	cmd.ctx = ctx
	// A ctx that ends mid-write breaks the write through a past deadline:
	// a half-sent command cannot be taken back, so the connection goes.
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.conn.SetWriteDeadline(time.Unix(1, 0))
		close(fired)
	})
	err := c.enc.WriteCommand(cmd.tag, wargs, cmd.waitCont)
	c.trace.endRedact(label)
	if err == nil && cmd.sasl != nil {
		err = c.saslExchange(cmd)
	}
	if !stop() {
		<-fired
		c.conn.SetWriteDeadline(time.Time{})
		if err != nil && !errors.Is(err, ctx.Err()) { // the past deadline broke the write
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}
	if !cmd.idle { // IDLE waits for its "+" after the write (enterIdle)
		c.clearContTarget(cmd)
	}
	if err != nil {
		return c.writeFailed(cmd, err)
	}
	return nil
}

func (c *Client) clearContTarget(cmd *Cmd) {
	c.mu.Lock()
	if c.contTarget == cmd {
		c.contTarget = nil
	}
	c.mu.Unlock()
}

// writeFailed handles a command that could not be (fully) written. A
// command the encoder refused (imapwire.ErrUnsafe) was not sent at all:
// it fails alone and the connection stays.
func (c *Client) writeFailed(cmd *Cmd, err error) error {
	if errors.Is(err, imapwire.ErrUnsafe) {
		c.unregister(cmd)
		err = fmt.Errorf("imapclient: %s not sent: %w", cmd.name, err)
		c.complete(cmd, nil, err)
		return err
	}
	select {
	case <-cmd.done: // refused by the server (NO to a literal), closed, or
		// completed: the server had the whole command (LOGOUT, then close)
		return cmd.err
	default:
	}
	var ce *ConnError
	if !errors.As(err, &ce) {
		err = &ConnError{Op: "write", Err: err}
	}
	c.closeWith(err)
	return err
}

// unregister removes cmd from the commands in flight.
func (c *Client) unregister(cmd *Cmd) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.inflight {
		if x == cmd {
			c.inflight = append(c.inflight[:i:i], c.inflight[i+1:]...)
			return
		}
	}
}

// waitCont waits for the continuation request of a synchronizing literal
// (RFC 9051 §7.6). A tagged response instead ends the command.
func (cmd *Cmd) waitCont() error {
	var ctxDone <-chan struct{}
	if cmd.ctx != nil {
		ctxDone = cmd.ctx.Done()
	}
	select {
	case <-cmd.cont:
		return nil
	case <-ctxDone:
		return fmt.Errorf("imapclient: %s %s canceled while waiting to send a literal: %w", cmd.tag, cmd.name, cmd.ctx.Err())
	case <-cmd.done:
		if cmd.err != nil {
			return cmd.err
		}
		return fmt.Errorf("imapclient: %s %s completed before its literal was sent", cmd.tag, cmd.name)
	}
}

// complete records the outcome of cmd and wakes its waiter. It is called
// once per command (reader goroutine or closeWith).
func (c *Client) complete(cmd *Cmd, tagged *imap.Response, err error) {
	select {
	case <-cmd.done:
		return
	default:
	}
	cmd.tagged = tagged
	if err == nil && tagged != nil {
		if rerr := tagged.Err(); rerr != nil {
			c.scrub.err(rerr)
			err = fmt.Errorf("imapclient: %s %s: %w", cmd.tag, cmd.name, rerr)
		}
	}
	cmd.err = err
	close(cmd.done)
	c.leave(cmd)
}
