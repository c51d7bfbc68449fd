package imapclient

import (
	"bufio"
	"bytes"
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
// "S: " for what the server sends.
//
// The client side is the wire itself: every byte the client writes
// passes through a tap (tapWriter) and is cut into lines at CRLF, so the
// trace shows mailbox names as sent (modified UTF-7), literal headers
// ({7+}) and the content of string literals. Three things are replaced,
// never shown: the password of LOGIN and everything after it up to the
// end of the command ("<password redacted>"), the initial response of
// AUTHENTICATE and every SASL response line, and the content of message
// bodies the client sends (APPEND) and of literals over 4 KiB
// ("<N bytes>"). Joining the "C: " lines with CRLF gives the bytes sent
// with these replacements.
type tracer struct {
	log      *slog.Logger
	w        io.Writer
	literals bool
	mu       sync.Mutex
	cs       clientStream // guarded by mu
	scrub    *scrubber    // the client's: hides an echoed secret
}

// clientStream is the tap's view of the bytes the client wrote.
type clientStream struct {
	line      []byte  // the line being assembled
	off       int64   // bytes seen so far
	lit       int64   // bytes of the current literal still to come
	litStart  bool    // the next byte is the literal's first
	litHidden bool    // the current literal is replaced by "<N bytes>"
	bodies    []int64 // offsets where message-body literals start
	redactAt  int64   // offset from which bytes are redacted; -1: none
	redacting bool
}

func newTracer(o Options) *tracer {
	if o.Trace == nil && o.TraceWriter == nil {
		return nil
	}
	return &tracer{log: o.Trace, w: o.TraceWriter, literals: o.TraceLiterals, cs: clientStream{redactAt: -1}}
}

// emit writes one trace line; the caller holds t.mu.
func (t *tracer) emit(s string) {
	if t.log != nil {
		t.log.Log(context.Background(), slog.LevelDebug, s)
	}
	if t.w != nil {
		io.WriteString(t.w, s+"\n")
	}
}

func (t *tracer) line(s string) {
	t.mu.Lock()
	t.emit(s)
	t.mu.Unlock()
}

// tapWriter passes what the client writes to the tracer.
type tapWriter struct {
	w io.Writer
	t *tracer
}

func (w *tapWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.t.sent(p[:n])
	return n, err
}

// tap returns w, through the tracer's tap when tracing.
func (t *tracer) tap(w io.Writer) io.Writer {
	if t == nil {
		return w
	}
	return &tapWriter{w: w, t: t}
}

// sent takes bytes the client wrote.
func (t *tracer) sent(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cs := &t.cs
	for len(p) > 0 {
		if cs.redactAt >= 0 && cs.off >= cs.redactAt {
			cs.redacting = true
		}
		if cs.redacting {
			cs.off += int64(len(p))
			return
		}
		chunk := p
		if cs.redactAt > cs.off && cs.redactAt-cs.off < int64(len(chunk)) {
			chunk = chunk[:cs.redactAt-cs.off]
		}
		n := t.consume(chunk)
		p = p[n:]
		cs.off += int64(n)
	}
}

// consume takes the start of chunk up to the next change of state (end of
// line, end of literal) and returns how many bytes it took.
func (t *tracer) consume(chunk []byte) int {
	cs := &t.cs
	inLit := cs.lit > 0
	if inLit {
		if cs.litStart {
			cs.litStart = false
			cs.litHidden = cs.isBody() || cs.lit > traceLiteralMax
			if cs.litHidden {
				cs.line = append(cs.line, "<"+strconv.FormatInt(cs.lit, 10)+" bytes>"...)
			}
		}
		chunk = chunk[:min(int64(len(chunk)), cs.lit)]
		if cs.litHidden {
			cs.lit -= int64(len(chunk))
			return len(chunk)
		}
	}
	n := len(chunk)
	if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
		n = i + 1
	}
	cs.line = append(cs.line, chunk[:n]...)
	if inLit {
		cs.lit -= int64(n)
	}
	if l := cs.line; len(l) >= 2 && l[len(l)-2] == '\r' && l[len(l)-1] == '\n' {
		text := l[:len(l)-2]
		if !inLit {
			if size, ok := literalHeader(text); ok && size > 0 {
				cs.lit, cs.litStart = size, true
			}
		}
		t.emit("C: " + string(text))
		cs.line = cs.line[:0]
	}
	return n
}

// isBody reports whether the literal starting now is a message body.
func (cs *clientStream) isBody() bool {
	for i, off := range cs.bodies {
		if off == cs.off {
			cs.bodies = append(cs.bodies[:i], cs.bodies[i+1:]...)
			return true
		}
	}
	return false
}

// literalHeader reads the size of a literal announced at the end of a
// line: "{7}", "{7+}", "~{7}" (RFC 9051 §4.3, RFC 7888, RFC 3516).
func literalHeader(line []byte) (int64, bool) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := strings.TrimSuffix(string(line[open+1:len(line)-1]), "+")
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil && n >= 0
}

// markBody notes that a message body literal starts buffered bytes after
// what the tap has seen (the writer's buffer holds them).
func (t *tracer) markBody(buffered int) {
	t.mu.Lock()
	t.cs.bodies = append(t.cs.bodies, t.cs.off+int64(buffered))
	t.mu.Unlock()
}

// redactFrom hides the bytes from buffered+skip bytes after what the tap
// has seen until endRedact.
func (t *tracer) redactFrom(buffered, skip int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.cs.redactAt = t.cs.off + int64(buffered+skip)
	t.mu.Unlock()
}

// endRedact is called when a command or line is written (or its writing
// stopped): it ends the redaction, writing the line it cut with label in
// place of what was hidden, and forgets a literal the server refused
// before its content was sent.
func (t *tracer) endRedact(label string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cs := &t.cs
	if cs.redacting {
		t.emit("C: " + string(cs.line) + label)
		cs.line = cs.line[:0]
	}
	cs.lit, cs.litStart = 0, false
	cs.redactAt, cs.redacting = -1, false
}

func (t *tracer) response(resp *imap.Response) {
	if t == nil || resp == nil {
		return
	}
	if resp.IsContinuation() || resp.Status != "" {
		t.line(t.scrub.text("S: " + resp.String()))
		return
	}
	var b strings.Builder
	b.WriteString("S: *")
	for _, v := range resp.Fields {
		b.WriteString(" " + t.value(v))
	}
	t.line(t.scrub.text(b.String()))
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

// traceCommand prepares the tap for a command about to be written (the
// caller holds the write lock): message bodies are marked so that the
// trace summarizes them, and the secret arguments of LOGIN (the password)
// and AUTHENTICATE (the initial response) are redacted. It returns the
// arguments to write and the label to pass to endRedact afterwards.
func (c *Client) traceCommand(tag string, args []imap.Value, eo imapwire.EncoderOptions) ([]imap.Value, string) {
	t := c.trace
	if t == nil {
		return args, ""
	}
	label := ""
	switch nameOf(args) {
	case "LOGIN":
		label = "<password redacted>"
	case "AUTHENTICATE":
		if len(args) > 2 {
			label = "<initial response redacted>"
		}
	}
	if label != "" && len(args) > 2 {
		// The secret starts after "tag NAME first-arg ", as the encoder
		// writes it with the same options.
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		imapwire.NewEncoder(w, eo).WriteCommand(tag, args[:2], func() error { return nil })
		t.redactFrom(c.bw.Buffered(), buf.Len()-len("\r\n")+len(" "))
	}
	return c.markBodies(args), label
}

// markBodies returns args with each message body literal's reader
// wrapped to tell the tracer where its bytes start (args itself when
// there is none).
func (c *Client) markBodies(args []imap.Value) []imap.Value {
	var out []imap.Value
	for i, a := range args {
		var na imap.Value
		switch a := a.(type) {
		case *imap.LiteralArg:
			na = &imap.LiteralArg{Size: a.Size, Binary: a.Binary, R: &bodyMark{r: a.R, c: c}}
		case imap.List:
			if l := c.markBodies(a); len(l) > 0 && &l[0] != &a[0] {
				na = imap.List(l)
			}
		}
		if na != nil {
			if out == nil {
				out = append([]imap.Value(nil), args...)
			}
			out[i] = na
		}
	}
	if out == nil {
		return args
	}
	return out
}

// bodyMark tells the tracer, at the first read, that a body literal's
// bytes start after what the writer holds: the encoder has written the
// literal's header and reads the body next.
type bodyMark struct {
	r      io.Reader
	c      *Client
	marked bool
}

func (b *bodyMark) Read(p []byte) (int, error) {
	if !b.marked {
		b.marked = true
		b.c.trace.markBody(b.c.bw.Buffered())
	}
	return b.r.Read(p)
}
