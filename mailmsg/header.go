package mailmsg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DefaultMaxHeaderBytes bounds the header block ReadHeader accepts: far
// more than any real message needs (a 1000-line folded field is ~80 KB),
// small enough to keep memory bounded on garbage input.
const DefaultMaxHeaderBytes = 1 << 20

// ErrHeaderTooLarge is returned (wrapped) when a header block exceeds the
// limit given to ReadHeaderLimit.
var ErrHeaderTooLarge = errors.New("mailmsg: header block too large")

// minPeek is the bufio.Reader size ReadHeader needs to classify a line.
const minPeek = 4096

// Field is one header field exactly as it appears in the message: the
// name, the colon, the value with any folded continuation lines, and the
// line ending of its last line (absent only at the very end of a file).
type Field struct {
	raw  []byte
	name string
}

// Raw returns the field's bytes. The caller must not modify them.
func (f Field) Raw() []byte { return f.raw }

// Name returns the field name as written (RFC 5322 §2.2), without the
// white space obsolete syntax allows before the colon (§4.5); "" for an
// mbox "From " postmark line.
func (f Field) Name() string { return f.name }

// RawValue returns everything after the colon, folding and final line
// ending included.
func (f Field) RawValue() []byte {
	if f.name == "" {
		return f.raw // the postmark: no name, no colon
	}
	return f.raw[bytes.IndexByte(f.raw, ':')+1:]
}

// Value returns the field body unfolded (RFC 5322 §2.2.3: every line
// break followed by white space is removed), with leading and trailing
// white space and the final line ending removed. Encoded words are left
// as they are; see Text.
func (f Field) Value() string {
	v := f.RawValue()
	var b strings.Builder
	b.Grow(len(v))
	for len(v) > 0 {
		i := bytes.IndexByte(v, '\n')
		if i < 0 {
			b.Write(v)
			break
		}
		line := v[:i]
		line = bytes.TrimSuffix(line, []byte("\r"))
		b.Write(line)
		v = v[i+1:]
	}
	return strings.Trim(b.String(), " \t")
}

// Text returns Value with RFC 2047 encoded words decoded (see DecodeText).
func (f Field) Text() string { return DecodeText(f.Value()) }

// Header is a parsed header block: its fields in order and the blank line
// that ends it. The zero value is an empty header with no separator.
type Header struct {
	fields []Field
	sep    []byte // "\n", "\r\n", or nil when the block has no blank line
	eol    string // line ending the message uses, for new lines
	bodyWS bool   // no fields, and the body's first line starts with white space
}

// ReadHeader reads a header block from r up to and including the blank
// line that ends it, leaving r at the first byte of the body. It accepts
// any input: the block also ends, without a separator, at end of file or
// at the first line that is neither a field ("name:" with printable ASCII
// name characters) nor a continuation (starting with space or tab); that
// line stays in r as the body's first line. A first line starting with
// "From " (an mbox postmark, RFC 4155, which some tools leave in Maildir
// files) is kept as a field with an empty name. The block is limited to
// DefaultMaxHeaderBytes.
func ReadHeader(r *bufio.Reader) (*Header, error) {
	return ReadHeaderLimit(r, DefaultMaxHeaderBytes)
}

// ReadHeaderLimit is ReadHeader with a size limit; a larger block fails
// with an error wrapping ErrHeaderTooLarge. r must be a bufio.Reader of at
// least 4096 bytes (bufio.NewReader's default).
func ReadHeaderLimit(r *bufio.Reader, limit int) (*Header, error) {
	if r.Size() < minPeek {
		return nil, fmt.Errorf("mailmsg: read header: bufio.Reader of %d bytes, need %d", r.Size(), minPeek)
	}
	h := &Header{}
	total := 0
	if p, _ := r.Peek(5); string(p) == "From " {
		line, err := readLine(r, limit)
		if err != nil {
			return nil, err
		}
		total += len(line)
		h.noteEOL(line)
		h.fields = append(h.fields, Field{raw: line})
	}
	for {
		kind, err := classify(r)
		if err != nil {
			return nil, fmt.Errorf("mailmsg: read header: %w", err)
		}
		if kind == lineCont && len(h.fields) == 0 {
			kind = lineBody // a continuation of nothing: not a header
			h.bodyWS = true
		}
		if kind == lineBody {
			h.setEOLFromPeek(r)
			return h, nil
		}
		line, err := readLine(r, limit-total)
		if err != nil {
			return nil, err
		}
		total += len(line)
		h.noteEOL(line)
		switch kind {
		case lineSep:
			h.sep = line
			return h, nil
		case lineCont:
			last := &h.fields[len(h.fields)-1]
			last.raw = append(last.raw, line...)
		case lineField:
			h.fields = append(h.fields, Field{raw: line, name: fieldName(line)})
		}
	}
}

type lineKind int

const (
	lineBody lineKind = iota // not part of the header (or end of input)
	lineSep                  // the empty line ending the header
	lineField
	lineCont
)

// classify peeks at the next line to decide what it is, without consuming.
func classify(r *bufio.Reader) (lineKind, error) {
	for n := 64; ; n *= 2 {
		n = min(n, r.Size())
		p, err := r.Peek(n)
		if len(p) == 0 {
			if err == io.EOF {
				return lineBody, nil
			}
			return lineBody, err
		}
		kind, decided := classifyBytes(p, len(p) < n)
		if decided {
			return kind, nil
		}
		if len(p) < n || n == r.Size() {
			return lineBody, nil // name too long to be a field: body
		}
	}
}

// classifyBytes classifies a line from its first bytes; decided is false
// when more bytes are needed. atEnd says p holds all remaining input.
func classifyBytes(p []byte, atEnd bool) (lineKind, bool) {
	switch p[0] {
	case '\n':
		return lineSep, true
	case ' ', '\t':
		return lineCont, true
	case '\r':
		if len(p) == 1 {
			return lineBody, atEnd
		}
		if p[1] == '\n' {
			return lineSep, true
		}
		return lineBody, true
	}
	i := 0
	for i < len(p) && p[i] > ' ' && p[i] < 0x7f && p[i] != ':' {
		i++
	}
	for i < len(p) && (p[i] == ' ' || p[i] == '\t') && i > 0 {
		i++
	}
	if i == len(p) {
		return lineBody, atEnd
	}
	if p[i] == ':' && i > 0 && p[0] != ' ' {
		return lineField, true
	}
	return lineBody, true
}

// readLine consumes one line including its LF (or up to end of input),
// failing if it would exceed max bytes.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, fmt.Errorf("mailmsg: read header: %w", ErrHeaderTooLarge)
		}
		line = append(line, chunk...)
		switch {
		case err == nil, err == io.EOF:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, fmt.Errorf("mailmsg: read header: %w", err)
		}
	}
}

// fieldName returns the name part of a field's first line.
func fieldName(line []byte) string {
	i := bytes.IndexByte(line, ':')
	return string(bytes.TrimRight(line[:i], " \t"))
}

// noteEOL records the line ending of the first complete line.
func (h *Header) noteEOL(line []byte) {
	if h.eol != "" || len(line) == 0 || line[len(line)-1] != '\n' {
		return
	}
	h.eol = "\n"
	if bytes.HasSuffix(line, []byte("\r\n")) {
		h.eol = "\r\n"
	}
}

// setEOLFromPeek learns the line ending from the body's first line when
// the header gave none.
func (h *Header) setEOLFromPeek(r *bufio.Reader) {
	if h.eol != "" {
		return
	}
	p, _ := r.Peek(r.Buffered())
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		h.noteEOL(p[:i+1])
	}
}

// EOL returns the line ending new lines get: the one of the message's
// first line ("\r\n" or "\n"), "\n" when it has no complete line.
func (h *Header) EOL() string {
	if h.eol == "" {
		return "\n"
	}
	return h.eol
}

// HasSeparator reports whether the block ended with a blank line.
func (h *Header) HasSeparator() bool { return h.sep != nil }

// Fields returns the fields in order. The slice is the header's own:
// do not modify it; use Set, Add and Remove.
func (h *Header) Fields() []Field { return h.fields }

// Get returns the first field named name (case-insensitive) and whether
// there is one.
func (h *Header) Get(name string) (Field, bool) {
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// All returns every field named name (case-insensitive), in order.
func (h *Header) All(name string) []Field {
	var out []Field
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			out = append(out, f)
		}
	}
	return out
}

// Value returns the unfolded value of the first field named name (see
// Field.Value), "" when absent.
func (h *Header) Value(name string) string {
	f, ok := h.Get(name)
	if !ok {
		return ""
	}
	return f.Value()
}

// Text returns the decoded value of the first field named name (see
// Field.Text), "" when absent.
func (h *Header) Text(name string) string {
	f, ok := h.Get(name)
	if !ok {
		return ""
	}
	return f.Text()
}

// Len returns the size in bytes of the header block as WriteTo writes it.
func (h *Header) Len() int {
	n := len(h.sep)
	for _, f := range h.fields {
		n += len(f.raw)
	}
	return n
}

// WireSize returns the size in wire form (every LF not preceded by CR
// counted as CRLF) of the fields named name (case-insensitive): what a
// message is smaller by on the wire without them.
func (h *Header) WireSize(name string) int64 {
	var n int64
	for _, f := range h.All(name) {
		n += int64(len(f.raw) + bytes.Count(f.raw, []byte("\n")) - bytes.Count(f.raw, []byte("\r\n")))
	}
	return n
}

// WriteTo writes the header block (fields and separator) to w.
func (h *Header) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, f := range h.fields {
		m, err := w.Write(f.raw)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	m, err := w.Write(h.sep)
	return n + int64(m), err
}

// Bytes returns the header block as WriteTo would write it.
func (h *Header) Bytes() []byte {
	var b bytes.Buffer
	b.Grow(h.Len())
	h.WriteTo(&b)
	return b.Bytes()
}
