package imapclient

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// readLoop is the connection's one reader goroutine: it decodes responses
// and routes them until the connection fails or closes.
func (c *Client) readLoop() {
	defer close(c.readerDone)
	defer func() {
		// A panic while decoding or routing (a callback's, or a bug met
		// by some server's bytes) fails this connection, not the process.
		if p := recover(); p != nil {
			c.readFailed(fmt.Errorf("imapclient: panic while reading a response: %v", p))
		}
	}()
	for {
		resp, err := c.dec.ReadResponse()
		var lerr *imapwire.LiteralError
		if err != nil && !errors.As(err, &lerr) {
			c.readFailed(err)
			return
		}
		c.trace.response(resp)
		c.dispatch(resp)
	}
}

// readFailed closes the connection after a read error.
func (c *Client) readFailed(err error) {
	c.mu.Lock()
	already := c.closeErr != nil
	c.mu.Unlock()
	if already {
		return
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	ce := &ConnError{Op: "read", Err: err}
	c.mu.Lock()
	if c.bye != nil {
		ce = &ConnError{Op: "bye", Err: c.bye.Err()}
	}
	c.mu.Unlock()
	c.closeWith(ce)
}

// dispatch routes one response: "+" to the command waiting for it, a
// tagged response to its command, untagged data to the commands in flight
// (oldest first) or the Handler.
func (c *Client) dispatch(resp *imap.Response) {
	switch {
	case resp.IsContinuation():
		c.continuation(resp)
	case resp.IsUntagged():
		c.track(resp)
		if !c.offer(resp) {
			c.warnStray(resp)
			c.unilateral(resp)
		}
	default:
		c.tagged(resp)
	}
}

func (c *Client) continuation(resp *imap.Response) {
	c.mu.Lock()
	cmd := c.contTarget
	c.mu.Unlock()
	if cmd == nil {
		c.opts.Logger.Warn("imapclient: continuation request with no command waiting for one", "text", resp.Text)
		return
	}
	select {
	case cmd.cont <- resp:
	default:
		c.opts.Logger.Warn("imapclient: unexpected second continuation request", "tag", cmd.tag)
	}
}

func (c *Client) tagged(resp *imap.Response) {
	c.mu.Lock()
	var cmd *Cmd
	for i, x := range c.inflight {
		if x.tag == resp.Tag {
			cmd = x
			c.inflight = append(c.inflight[:i:i], c.inflight[i+1:]...)
			break
		}
	}
	if cmd != nil && c.idling == cmd {
		c.idling = nil // the server ended IDLE itself: no DONE to send
	}
	c.mu.Unlock()
	if cmd == nil {
		c.opts.Logger.Warn("imapclient: tagged response for no command", "response", resp.String())
		return
	}
	if resp.Code == imap.CodeCapability {
		if caps, err := imap.ParseCapability(resp); err == nil {
			c.setCaps(caps)
		}
	}
	if cmd.onTagged != nil {
		cmd.onTagged(resp)
	}
	c.noteState(cmd, resp)
	c.complete(cmd, resp, nil)
}

// noteState follows the connection state through commands sent in any
// form, typed or generic (RFC 9051 §3): a successful LOGIN/AUTHENTICATE
// authenticates; SELECT/EXAMINE select (a failed one deselects);
// UNSELECT/CLOSE deselect.
func (c *Client) noteState(cmd *Cmd, resp *imap.Response) {
	ok := resp.Status == imap.StatusOK
	switch cmd.name {
	case "LOGIN", "AUTHENTICATE":
		if ok {
			c.mu.Lock()
			c.state = StateAuthenticated
			c.mu.Unlock()
		}
	case "SELECT", "EXAMINE":
		name := ""
		if ok && len(cmd.args) > 1 {
			name, _ = imap.AsString(cmd.args[1])
		}
		readOnly := cmd.name == "EXAMINE" || resp.Code == imap.CodeReadOnly
		c.mu.Lock()
		exists := c.exists
		c.mu.Unlock()
		c.setSelected(name, readOnly, exists)
	case "UNSELECT", "CLOSE":
		if ok {
			c.setSelected("", false, 0)
		}
	}
}

// isUnilateral reports data a server may send at any time, which the
// Handler always sees even when a generic command collected it too
// (RFC 9051 §7: message status updates, BYE, alerts).
func isUnilateral(resp *imap.Response) bool {
	switch resp.Name() {
	case "EXISTS", "RECENT", "EXPUNGE", "BYE":
		return true
	case "VANISHED":
		v, err := imap.ParseVanished(resp)
		return err == nil && !v.Earlier
	case "OK", "NO", "BAD":
		return resp.Code == imap.CodeAlert
	}
	return false
}

// track updates the client's view of the session from untagged data.
func (c *Client) track(resp *imap.Response) {
	switch resp.Name() {
	case "EXISTS", "EXPUNGE", "VANISHED":
		c.trackCount(resp)
	case "CAPABILITY":
		c.trackCaps(resp)
	case "ENABLED":
		if caps, err := imap.ParseEnabled(resp); err == nil {
			c.mu.Lock()
			c.enabled = imap.NewCapSet(append(c.enabled.All(), caps...)...) // a new map: Enabled() shares the old
			c.mu.Unlock()
		}
	case "OK":
		if resp.Code == imap.CodeCapability {
			c.trackCaps(resp)
		}
		if resp.Code == imap.CodeClosed { // RFC 7162 §3.2.11
			c.mu.Lock()
			c.exists = 0
			c.mu.Unlock()
		}
	case "BYE":
		c.mu.Lock()
		c.state = StateLogout
		c.bye = resp
		c.mu.Unlock()
	}
}

// trackCount follows the message count (RFC 9051 §7.4.1, §7.5.1;
// RFC 7162 §3.2.10: VANISHED without EARLIER also decrements it).
func (c *Client) trackCount(resp *imap.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch resp.Name() {
	case "EXISTS":
		c.exists, _ = resp.Num()
	case "EXPUNGE":
		if c.exists > 0 {
			c.exists--
		}
	case "VANISHED":
		if v, err := imap.ParseVanished(resp); err == nil && !v.Earlier {
			c.exists -= uint32(min(uint64(c.exists), v.UIDs.Len()))
		}
	}
}

func (c *Client) trackCaps(resp *imap.Response) {
	if caps, err := imap.ParseCapability(resp); err == nil {
		c.setCaps(caps)
	}
}

// literal is the decoder's LiteralFunc: body literals go to the body
// callback of the oldest FETCH in flight that has one, others are read
// into memory within the decoder's MaxBodyBuffer (body items, such as
// BODY[HEADER.FIELDS (MESSAGE-ID)] of a metadata FETCH) or MaxLiteral
// (the rest). The size is the server's word: a larger literal is refused
// before anything is allocated and the connection fails with an error
// wrapping imapwire.ErrLimit.
func (c *Client) literal(info imapwire.LiteralInfo, r io.Reader) (imap.Value, error) {
	if c.trace.showLiterals() && info.Body {
		peek := &capWriter{max: traceLiteralMax}
		r = io.TeeReader(r, peek)
		defer func() { c.trace.literal(info, peek.b) }()
	}
	if info.Body {
		if cmd := c.bodyTarget(); cmd != nil {
			return c.streamBody(cmd, info, r)
		}
	}
	if limit := c.bufferLimit(info); info.Size > limit {
		return nil, fmt.Errorf("imapclient: %s literal of %d bytes in %s response exceeds the limit of %d bytes for data not streamed; not read: %w",
			cmp.Or(info.Item, "a"), info.Size, info.Name, limit, imapwire.ErrLimit)
	}
	buf := make([]byte, info.Size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return imap.Str(buf), nil
}

// bufferLimit is the largest literal of info's kind read into memory.
func (c *Client) bufferLimit(info imapwire.LiteralInfo) int64 {
	if info.Body {
		return cmp.Or(max(c.opts.Decoder.MaxBodyBuffer, 0), imapwire.DefaultMaxBodyBuffer)
	}
	return cmp.Or(max(c.opts.Decoder.MaxLiteral, 0), imapwire.DefaultMaxLiteral)
}

func (c *Client) bodyTarget() *Cmd {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range c.inflight {
		if cmd.body != nil {
			return cmd
		}
	}
	return nil
}

// streamBody hands a body literal to cmd's callback; an abandoned command
// and a callback that failed before get nothing (the decoder drains it).
func (c *Client) streamBody(cmd *Cmd, info imapwire.LiteralInfo, r io.Reader) (imap.Value, error) {
	if cmd.abandoned.Load() || cmd.bodyErr != nil {
		return imap.Streamed{Size: info.Size, Binary: info.Binary}, nil
	}
	ref, err := cmd.body(BodyInfo{Seq: imap.SeqNum(info.Num), Item: info.Item, Size: info.Size, Binary: info.Binary,
		UID: imap.UID(info.UID), ListedSize: info.ListedSize}, r)
	if err != nil {
		cmd.bodyErr = fmt.Errorf("%s of message %d: %w", info.Item, info.Num, err)
		return nil, err
	}
	return imap.Streamed{Size: info.Size, Binary: info.Binary, Ref: ref}, nil
}

// warnStray logs a warning for a FETCH response that no command took and
// that cannot be an unsolicited update (RFC 9051 §7.5.2 allows FETCH at
// any time, but only to report flags, not sizes or contents): one whose
// UID is 0 or above 2^32-1, or that carries RFC822.SIZE or a body section
// — such as a UID sent twice in answer to one UID FETCH (the command took
// the first) or a UID outside the set asked for. It goes to the Handler
// as any unclaimed data; nothing of it is used.
func (c *Client) warnStray(resp *imap.Response) {
	if resp.Name() != "FETCH" {
		return
	}
	why := ""
	items, _ := imap.AsList(first(resp.Args()))
	for i := 0; i+1 < len(items); i += 2 {
		name, _ := imap.AsAtom(items[i])
		name = strings.ToUpper(name)
		switch n, _ := imap.AsNumber(items[i+1]); {
		case name == "UID" && (n == 0 || n > 1<<32-1):
			why = fmt.Sprintf("UID %d is not a valid UID (1 to 4294967295)", n)
		case why == "" && (name == "RFC822.SIZE" || strings.HasPrefix(name, "BODY[") || strings.HasPrefix(name, "BINARY[")):
			why = "a message's data that no command asked for (a UID sent twice, or outside the set asked)"
		}
	}
	if why != "" {
		c.opts.Logger.Warn("imapclient: ignoring a FETCH response: "+why, "response", summarize(resp.String()))
	}
}

func first(vs []imap.Value) imap.Value {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

// summarize cuts s to a length fit for a log line.
func summarize(s string) string {
	const n = 160
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// unilateral passes data no command claimed to the Handler.
func (c *Client) unilateral(resp *imap.Response) {
	c.events.push(eventOf(resp))
}
