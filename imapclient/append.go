package imapclient

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// AppendMessage is one message for APPEND: exactly Size bytes read from
// Body (CRLF line endings, RFC 5322), optional flags and internal date.
type AppendMessage struct {
	Flags []imap.Flag
	Date  time.Time // zero: the server's clock
	Size  int64
	Body  io.Reader
}

// Append appends one message to mailbox (RFC 9051 §6.3.12), streaming its
// body, and returns the APPENDUID data (RFC 4315) when the server sends it
// (UIDValidity 0 otherwise). A missing mailbox gives an error wrapping
// *imap.Error with the TRYCREATE code.
func (c *Client) Append(ctx context.Context, mailbox string, msg AppendMessage) (imap.AppendUIDData, error) {
	return c.AppendMulti(ctx, mailbox, []AppendMessage{msg})
}

// AppendMulti appends several messages: in one command with MULTIAPPEND
// (RFC 3502), else as pipelined APPENDs. The APPENDUID data lists the new
// UIDs in order when the server reports them.
func (c *Client) AppendMulti(ctx context.Context, mailbox string, msgs []AppendMessage) (imap.AppendUIDData, error) {
	if len(msgs) == 0 {
		return imap.AppendUIDData{}, nil
	}
	if len(msgs) == 1 || c.Caps().Has(imap.CapMultiAppend) {
		args := []imap.Value{imap.Atom("APPEND"), imap.Mailbox(mailbox)}
		for _, m := range msgs {
			args = append(args, appendArgs(m)...)
		}
		res, err := c.run(ctx, nil, args...)
		if err != nil {
			return imap.AppendUIDData{}, err
		}
		return appendUID(res)
	}
	return c.appendPipelined(ctx, mailbox, msgs)
}

// appendPipelined starts every APPEND, then waits for all of them.
func (c *Client) appendPipelined(ctx context.Context, mailbox string, msgs []AppendMessage) (imap.AppendUIDData, error) {
	cmds := make([]*Cmd, 0, len(msgs))
	var out imap.AppendUIDData
	var firstErr error
	for _, m := range msgs {
		cmd := newCmd(c, append([]imap.Value{imap.Atom("APPEND"), imap.Mailbox(mailbox)}, appendArgs(m)...))
		if err := c.start(ctx, cmd); err != nil {
			firstErr = err
			break
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		res, err := cmd.Wait(ctx)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		d, err := appendUID(res)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		out.UIDValidity = d.UIDValidity
		out.UIDs.AddSet(d.UIDs)
	}
	return out, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// appendArgs: [flag-list] [date-time] literal (RFC 9051 §6.3.12).
func appendArgs(m AppendMessage) []imap.Value {
	var args []imap.Value
	if len(m.Flags) > 0 {
		fl := imap.List{}
		for _, f := range m.Flags {
			fl = append(fl, f)
		}
		args = append(args, fl)
	}
	if !m.Date.IsZero() {
		args = append(args, imap.Str(imap.FormatDateTime(m.Date)))
	}
	return append(args, imap.Literal(m.Size, m.Body))
}

func appendUID(res *Result) (imap.AppendUIDData, error) {
	if res.Tagged == nil || res.Tagged.Code != imap.CodeAppendUID {
		return imap.AppendUIDData{}, nil
	}
	d, err := imap.ParseAppendUID(res.Tagged.CodeArgs)
	if err != nil {
		return d, fmt.Errorf("imapclient: APPEND: %w", err)
	}
	return d, nil
}
