package imapclient

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// traceLiteralMax is the largest literal TraceLiterals shows, and how
// much of a message body it shows.
const traceLiteralMax = 4096

// tracer writes the protocol trace: "C: " for what the client sends,
// "S: " for what the server sends. Secrets are redacted at the source:
// the arguments of LOGIN and AUTHENTICATE and every SASL response line
// never reach it.
type tracer struct {
	log      *slog.Logger
	w        io.Writer
	literals bool
	mu       sync.Mutex
}

func newTracer(o Options) *tracer {
	if o.Trace == nil && o.TraceWriter == nil {
		return nil
	}
	return &tracer{log: o.Trace, w: o.TraceWriter, literals: o.TraceLiterals}
}

func (t *tracer) line(s string) {
	if t.log != nil {
		t.log.Log(context.Background(), slog.LevelDebug, s)
	}
	if t.w != nil {
		t.mu.Lock()
		io.WriteString(t.w, s+"\n")
		t.mu.Unlock()
	}
}

// command traces a command; LOGIN and AUTHENTICATE show only their
// name, user name and mechanism.
func (t *tracer) command(tag string, args []imap.Value) {
	if t == nil {
		return
	}
	var b strings.Builder
	b.WriteString("C: ")
	b.WriteString(tag)
	switch nameOf(args) {
	case "LOGIN":
		b.WriteString(" LOGIN")
		if len(args) > 1 {
			b.WriteString(" " + t.value(args[1]))
		}
		b.WriteString(" <password redacted>")
	case "AUTHENTICATE":
		b.WriteString(" AUTHENTICATE")
		if len(args) > 1 {
			b.WriteString(" " + t.value(args[1]))
		}
		if len(args) > 2 {
			b.WriteString(" <initial response redacted>")
		}
	default:
		for _, a := range args {
			b.WriteString(" " + t.value(a))
		}
	}
	t.line(b.String())
}

// client traces a line the client sends outside a command (DONE); secret
// lines are traced by the caller as a placeholder.
func (t *tracer) client(s string) {
	if t != nil {
		t.line("C: " + s)
	}
}

func (t *tracer) response(resp *imap.Response) {
	if t == nil || resp == nil {
		return
	}
	if resp.IsContinuation() || resp.Status != "" {
		t.line("S: " + resp.String())
		return
	}
	var b strings.Builder
	b.WriteString("S: *")
	for _, v := range resp.Fields {
		b.WriteString(" " + t.value(v))
	}
	t.line(b.String())
}

// value formats v like the wire, with literals summarized as "{N bytes}".
func (t *tracer) value(v imap.Value) string {
	switch v := v.(type) {
	case imap.Str:
		if len(v) > 200 || strings.ContainsAny(string(v), "\r\n\x00") {
			if t.literals && len(v) <= traceLiteralMax {
				return fmt.Sprintf("{%d}%q", len(v), string(v))
			}
			return "{" + strconv.Itoa(len(v)) + " bytes}"
		}
	case imap.Streamed:
		return "{" + strconv.FormatInt(v.Size, 10) + " bytes}"
	case *imap.LiteralArg:
		return "{" + strconv.FormatInt(v.Size, 10) + " bytes}"
	case imap.List:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = t.value(x)
		}
		return "(" + strings.Join(parts, " ") + ")"
	case nil:
		return "<nil>"
	}
	return v.String()
}

func (t *tracer) showLiterals() bool { return t != nil && t.literals }

// literal traces the start of a body literal (TraceLiterals), before the
// line of the response that holds it.
func (t *tracer) literal(info imapwire.LiteralInfo, head []byte) {
	more := ""
	if int64(len(head)) < info.Size {
		more = "..."
	}
	t.line(fmt.Sprintf("S: (literal %s of message %d, %d bytes) %q%s", info.Item, info.Num, info.Size, head, more))
}

// capWriter keeps the first max bytes written to it.
type capWriter struct {
	b   []byte
	max int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
