package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/imapdir/imapdir/imap"
)

// Decoder reads server responses (RFC 9051 §7, grammar in §9) one at a time
// from a *bufio.Reader into the generic imap.Response tree.
//
// Any error other than a *LiteralError is sticky: the stream is out of step
// and every later call returns the same error. Cancellation is the
// connection's business (deadlines or Close on the underlying conn); the
// decoder never blocks except in reads from its reader.
type Decoder struct {
	r    *bufio.Reader
	opts DecoderOptions
	err  error

	line   []byte // current line, CRLF stripped
	pos    int
	lineNo int
	// last token, for error messages: a constant, or a span of line
	lastConst          string
	lastStart, lastEnd int

	// per-response context for literals
	tag     string
	name    string
	num     uint32
	uid     uint32 // UID item seen so far in a FETCH response, else 0
	size    int64  // RFC822.SIZE item seen so far in a FETCH response, else -1
	litErr  error
	sawLit  bool
	used    int64 // bytes charged against MaxResponse
	limited io.LimitedReader
}

// NewDecoder returns a decoder reading from r with opts (zero for defaults).
func NewDecoder(r *bufio.Reader, opts DecoderOptions) *Decoder {
	return &Decoder{r: r, opts: opts.withDefaults()}
}

// Reset makes the decoder read from r, keeping its options, for a stream
// change such as STARTTLS or COMPRESS=DEFLATE (RFC 4978: wrap the old
// reader, which may hold buffered compressed bytes). It clears a sticky
// error only if clearErr is set.
func (d *Decoder) Reset(r *bufio.Reader, clearErr bool) {
	d.r = r
	if clearErr {
		d.err = nil
	}
}

// SetLiteralFunc replaces the LiteralFunc (nil to buffer within limits).
// Call it only between ReadResponse calls.
func (d *Decoder) SetLiteralFunc(f LiteralFunc) { d.opts.Literal = f }

// Err returns the sticky error, if any.
func (d *Decoder) Err() error { return d.err }

// ReadResponse reads the next response. It returns io.EOF when the stream
// ends cleanly between responses. With a *LiteralError it also returns the
// decoded response; any other error is sticky and comes with no response.
func (d *Decoder) ReadResponse() (*imap.Response, error) {
	if d.err != nil {
		return nil, d.err
	}
	resp, err := d.readResponse()
	if err != nil {
		d.err = err
		return nil, err
	}
	if d.litErr != nil {
		err, d.litErr = d.litErr, nil
		return resp, err
	}
	return resp, nil
}

func (d *Decoder) readResponse() (*imap.Response, error) {
	d.tag, d.name, d.num, d.sawLit, d.lineNo, d.used = "", "", 0, false, 0, 0
	d.uid, d.size = 0, -1
	if err := d.readLine(); err != nil {
		return nil, err
	}
	tag := d.readTag()
	if tag == "" {
		return nil, d.syntax("expected a tag, \"*\" or \"+\"")
	}
	resp := &imap.Response{Tag: tag}
	d.tag = tag
	if tag == "+" {
		// Quirk: some servers send "+" with no SP and no text (RFC 9051 §7.5
		// requires resp-text); accepted as an empty text.
		d.skipSP()
		resp.Text = string(d.line[d.pos:])
		return resp, nil
	}
	if !d.skipSP() {
		return nil, d.syntax(fmt.Sprintf("expected SP after tag %q", tag))
	}
	if tag == "*" {
		return resp, d.readUntagged(resp)
	}
	return resp, d.readTagged(resp)
}

func (d *Decoder) readTagged(resp *imap.Response) error {
	word := d.readWord()
	st := statusOf(word)
	if st == "" || st == imap.StatusPreAuth {
		return d.syntax(fmt.Sprintf("expected OK, NO, BAD or BYE after tag %q", resp.Tag))
	}
	resp.Status = st
	return d.readRespText(resp)
}

func (d *Decoder) readUntagged(resp *imap.Response) error {
	if d.pos < len(d.line) && isDigit(d.line[d.pos]) {
		return d.readMessageData(resp)
	}
	word := d.readWord()
	if st := statusOf(word); st != "" {
		resp.Status = st
		return d.readRespText(resp)
	}
	if word == "" {
		return d.syntax("expected a response name after \"*\"")
	}
	d.name = strings.ToUpper(word)
	resp.Fields = append(make([]imap.Value, 0, 4), imap.Atom(word))
	return d.readFields(resp)
}

// readMessageData reads "* N NAME ..." (RFC 9051 §7.4, §7.5).
func (d *Decoder) readMessageData(resp *imap.Response) error {
	v, err := d.readNumberOrAtom(false)
	if err != nil {
		return err
	}
	n, ok := v.(imap.Number)
	if !ok || n > 0xffffffff {
		return d.syntax("expected a message number after \"*\"")
	}
	d.num = uint32(n)
	if !d.skipSP() {
		return d.syntax(fmt.Sprintf("expected SP after %q", d.lastText()))
	}
	word := d.readWord()
	if word == "" {
		return d.syntax(fmt.Sprintf("expected a response name after \"* %d\"", n))
	}
	d.name = strings.ToUpper(word)
	resp.Fields = append(make([]imap.Value, 0, 3), n, imap.Atom(word))
	return d.readFields(resp)
}

// readFields reads the values that follow a data name up to the end of the
// response. For a response name this package does not know, a syntax error
// before any literal keeps the rest of the line as one imap.Raw instead of
// failing, so that an unknown extension cannot break a connection.
func (d *Decoder) readFields(resp *imap.Response) error {
	mark := len(resp.Fields)
	pos := d.pos
	err := d.readValues(&resp.Fields, 0, false)
	var se *SyntaxError
	if err != nil && errors.As(err, &se) && !d.sawLit && !knownData(d.name) {
		resp.Fields = append(resp.Fields[:mark], imap.Raw(strings.TrimLeft(string(d.line[pos:]), " ")))
		return nil
	}
	return err
}

// knownData reports response names whose syntax errors are real errors.
func knownData(name string) bool {
	switch name {
	case "FETCH", "EXISTS", "RECENT", "EXPUNGE", "FLAGS", "LIST", "LSUB", "STATUS",
		"SEARCH", "ESEARCH", "CAPABILITY", "ENABLED", "NAMESPACE", "ID", "VANISHED":
		return true
	}
	return false
}

// readRespText reads [SP] ["[" resp-text-code "]" [SP]] text (RFC 9051 §9).
func (d *Decoder) readRespText(resp *imap.Response) error {
	// Quirk: a missing resp-text ("a1 OK\r\n", "* OK [CODE]\r\n") is common
	// (older Courier, some proxies); accepted as empty text.
	d.skipSP()
	if d.pos < len(d.line) && d.line[d.pos] == '[' {
		if !d.readCode(resp) {
			resp.Code, resp.CodeArgs = "", nil
		}
	}
	resp.Text = string(d.line[d.pos:])
	return nil
}

// readCode reads "[" atom [SP args] "]" [SP] and reports whether it did;
// on false the position is unchanged so the bracket is kept as text.
func (d *Decoder) readCode(resp *imap.Response) bool {
	save := d.pos
	d.pos++
	end := bytes.IndexByte(d.line[d.pos:], ']')
	if end < 0 {
		d.pos = save
		return false
	}
	name := d.readCodeAtom()
	if name == "" {
		d.pos = save
		return false
	}
	resp.Code = imap.ResponseCode(strings.ToUpper(name))
	if d.skipSP() {
		d.readCodeArgs(resp)
	}
	if d.pos >= len(d.line) || d.line[d.pos] != ']' {
		d.pos = save
		return false
	}
	d.pos++
	d.skipSP()
	return true
}

// readCodeArgs parses the arguments of a response code as values; when they
// are not values (some codes carry free text, e.g. REFERRAL URLs with
// brackets), they are kept as one imap.Raw up to the last "]" of the line's
// code.
func (d *Decoder) readCodeArgs(resp *imap.Response) {
	start := d.pos
	var args []imap.Value
	err := d.readValues(&args, 0, true)
	if err == nil && d.pos < len(d.line) && d.line[d.pos] == ']' {
		resp.CodeArgs = args
		return
	}
	d.pos = start
	end := bytes.IndexByte(d.line[start:], ']')
	resp.CodeArgs = []imap.Value{imap.Raw(d.line[start : start+end])}
	d.pos = start + end
}

func (d *Decoder) readCodeAtom() string {
	start := d.pos
	for d.pos < len(d.line) && isCodeChar(d.line[d.pos]) {
		d.pos++
	}
	return string(d.line[start:d.pos])
}

func statusOf(word string) imap.Status {
	switch strings.ToUpper(word) {
	case "OK":
		return imap.StatusOK
	case "NO":
		return imap.StatusNO
	case "BAD":
		return imap.StatusBAD
	case "BYE":
		return imap.StatusBYE
	case "PREAUTH":
		return imap.StatusPreAuth
	}
	return ""
}

// readLine reads the next line into d.line without its line ending. Quirk:
// a bare LF is accepted as a line end (seen from proxies and test servers).
func (d *Decoder) readLine() error {
	d.line, d.pos = d.line[:0], 0
	d.lineNo++
	for {
		frag, err := d.r.ReadSlice('\n')
		if len(d.line)+len(frag) > d.opts.MaxLine {
			return fmt.Errorf("imapwire: response line %d longer than %d bytes: %w", d.lineNo, d.opts.MaxLine, ErrLimit)
		}
		d.line = append(d.line, frag...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && (len(d.line) > 0 || d.lineNo > 1) {
			return fmt.Errorf("imapwire: stream ended inside response line %d: %w", d.lineNo, io.ErrUnexpectedEOF)
		}
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return fmt.Errorf("imapwire: reading response line %d: %w", d.lineNo, err)
	}
	if err := d.charge(int64(len(d.line)), "line"); err != nil {
		return err
	}
	d.line = d.line[:len(d.line)-1]
	if n := len(d.line); n > 0 && d.line[n-1] == '\r' {
		d.line = d.line[:n-1]
	}
	return nil
}

// readTag reads a tag, "*" or "+" (RFC 9051 §9 tag: 1*<any ASTRING-CHAR except "+">).
func (d *Decoder) readTag() string {
	if d.pos < len(d.line) && (d.line[d.pos] == '*' || d.line[d.pos] == '+') {
		d.pos++
		if d.line[d.pos-1] == '*' {
			d.setLast("*")
		} else {
			d.setLast("+")
		}
		return d.lastConst
	}
	start := d.pos
	for d.pos < len(d.line) && (imap.IsAtomChar(d.line[d.pos]) || d.line[d.pos] == ']') && d.line[d.pos] != '+' {
		d.pos++
	}
	d.markLast(start, d.pos)
	return string(d.line[start:d.pos])
}

// readWord reads letters, digits and "-" / "." / "_" (names of responses).
// Quirk: names are matched case-insensitively; some servers send "* ok".
func (d *Decoder) readWord() string {
	start := d.pos
	for d.pos < len(d.line) && isCodeChar(d.line[d.pos]) {
		d.pos++
	}
	d.markLast(start, d.pos)
	return internName(d.line[start:d.pos])
}

// internName returns frequent response names without allocating.
func internName(b []byte) string {
	switch string(b) {
	case "OK":
		return "OK"
	case "FETCH":
		return "FETCH"
	case "EXISTS":
		return "EXISTS"
	case "EXPUNGE":
		return "EXPUNGE"
	case "VANISHED":
		return "VANISHED"
	case "LIST":
		return "LIST"
	case "STATUS":
		return "STATUS"
	case "SEARCH":
		return "SEARCH"
	case "ESEARCH":
		return "ESEARCH"
	}
	return string(b)
}

func (d *Decoder) markLast(start, end int) { d.lastConst, d.lastStart, d.lastEnd = "", start, end }

func (d *Decoder) setLast(s string) { d.lastConst = s }

// lastText returns the last token, for error messages.
func (d *Decoder) lastText() string {
	if d.lastConst != "" || d.lastEnd > len(d.line) {
		return d.lastConst
	}
	return string(d.line[d.lastStart:d.lastEnd])
}

// skipSP skips one or more spaces and reports whether there was one.
// Quirk: runs of spaces are accepted where one is required (seen in
// ENVELOPE and LIST output of older servers).
func (d *Decoder) skipSP() bool {
	start := d.pos
	for d.pos < len(d.line) && d.line[d.pos] == ' ' {
		d.pos++
	}
	return d.pos > start
}

// charge counts n bytes of what against MaxResponse.
func (d *Decoder) charge(n int64, what string) error {
	d.used += n
	if d.used > d.opts.MaxResponse {
		return fmt.Errorf("imapwire: response larger than %d bytes in memory (at a %s on response line %d): %w",
			d.opts.MaxResponse, what, d.lineNo, ErrLimit)
	}
	return nil
}

func (d *Decoder) syntax(msg string) error {
	return &SyntaxError{Line: d.lineNo, Offset: d.pos, Msg: msg, Text: snippet(d.line)}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isCodeChar: characters of response and code names (ATOM-CHAR but no "[").
func isCodeChar(c byte) bool { return imap.IsAtomChar(c) && c != '[' }
