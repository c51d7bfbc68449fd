package mailmsg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// foldWidth is the line length new fields are folded to (RFC 5322 §2.1.1:
// lines SHOULD be no more than 78 characters).
const foldWidth = 78

// checkField validates a name and value for a new field: the name is
// printable ASCII without ':' or space (RFC 5322 §3.6.8), the value holds
// no CR, LF or NUL (which would inject lines).
func checkField(name, value string) error {
	if name == "" {
		return fmt.Errorf("mailmsg: empty field name")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return fmt.Errorf("mailmsg: invalid field name %q", name)
		}
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("mailmsg: field %s: value contains CR, LF or NUL", name)
	}
	return nil
}

// newField formats "name: value" folded at spaces to foldWidth where
// possible, ending with eol. Folding only inserts eol before a space, so
// unfolding gives the value back exactly.
func newField(name, value, eol string) Field {
	var b bytes.Buffer
	b.WriteString(name)
	b.WriteByte(':')
	lineLen := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		if i > 0 && word != "" && lineLen+1+len(word) > foldWidth && lineLen > len(name)+1 {
			b.WriteString(eol)
			lineLen = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		lineLen += 1 + len(word)
	}
	b.WriteString(eol)
	return Field{raw: b.Bytes(), name: name}
}

// Set makes value the value of field name: the first field with that
// name (case-insensitive) is replaced in place, later ones are removed;
// without one, the field is added as Add does. value is the field body as
// it must appear (already encoded; see EncodeText); it is folded at spaces
// to 78 columns. Every other field keeps its bytes and position.
func (h *Header) Set(name, value string) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	nf := newField(name, value, h.EOL())
	out := h.fields[:0:0]
	done := false
	for _, f := range h.fields {
		if !strings.EqualFold(f.name, name) {
			out = append(out, f)
			continue
		}
		if !done {
			out = append(out, nf)
			done = true
		}
	}
	h.fields = out
	if !done {
		h.insert(nf)
	}
	return nil
}

// Add appends a field "name: value" at the end of the header block, even
// if fields with that name exist. If the last field has no line ending
// (a header-only file without a final newline), the new field goes just
// before it instead, so that no existing byte changes. In a message with
// no fields whose first line starts with white space, a blank separator
// line is added too, or that line would continue the new field.
func (h *Header) Add(name, value string) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	h.insert(newField(name, value, h.EOL()))
	return nil
}

func (h *Header) insert(nf Field) {
	if h.bodyWS && h.sep == nil {
		// The body's first line starts with white space: without a blank
		// line it would become a continuation of the new field.
		h.sep = []byte(h.EOL())
	}
	n := len(h.fields)
	if n > 0 && !bytes.HasSuffix(h.fields[n-1].raw, []byte("\n")) {
		h.fields = append(h.fields[:n-1:n-1], nf, h.fields[n-1])
		return
	}
	h.fields = append(h.fields, nf)
}

// Remove deletes every field named name (case-insensitive) and returns
// how many there were.
func (h *Header) Remove(name string) int {
	out := h.fields[:0:0]
	for _, f := range h.fields {
		if !strings.EqualFold(f.name, name) {
			out = append(out, f)
		}
	}
	n := len(h.fields) - len(out)
	h.fields = out
	return n
}

// Rewrite copies a message from r to w with its header changed by edit:
// it reads the header block, calls edit, writes the header and streams
// the body unchanged. It returns the bytes written. If edit fails nothing
// is written.
func Rewrite(w io.Writer, r io.Reader, edit func(*Header) error) (int64, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	h, err := ReadHeader(br)
	if err != nil {
		return 0, err
	}
	if err := edit(h); err != nil {
		return 0, fmt.Errorf("mailmsg: rewrite: %w", err)
	}
	n, err := h.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("mailmsg: rewrite: write header: %w", err)
	}
	m, err := io.Copy(w, br)
	if err != nil {
		return n + m, fmt.Errorf("mailmsg: rewrite: copy body: %w", err)
	}
	return n + m, nil
}

// RewriteReader is Rewrite as a reader: it reads the header block from r
// at once, applies edit, and returns a reader that yields the edited
// header followed by the rest of r, streamed. Use it to feed an edited
// message to a consumer that reads (e.g. a Maildir delivery).
func RewriteReader(r io.Reader, edit func(*Header) error) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	h, err := ReadHeader(br)
	if err != nil {
		return nil, err
	}
	if err := edit(h); err != nil {
		return nil, fmt.Errorf("mailmsg: rewrite: %w", err)
	}
	return io.MultiReader(bytes.NewReader(h.Bytes()), br), nil
}
