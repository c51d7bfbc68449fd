package imapwire

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unsafe"

	"github.com/imapdir/imapdir/imap"
)

// readLiteral reads "{n}" or "~{n}" at the end of the line, then the n
// bytes of the literal (RFC 9051 §4.3, RFC 3516 literal8), then the next
// line, which continues the response.
func (d *Decoder) readLiteral(item string) (imap.Value, error) {
	info, err := d.literalHeader(item)
	if err != nil {
		return nil, err
	}
	d.sawLit = true
	v, err := d.literalBody(info)
	if err != nil {
		return nil, err
	}
	if err := d.readLine(); err != nil {
		return nil, err
	}
	d.setLast("literal")
	return v, nil
}

// literalHeader parses "{n}" / "~{n}" (and, leniently, "{n+}") which must
// end the line.
func (d *Decoder) literalHeader(item string) (LiteralInfo, error) {
	info := LiteralInfo{Tag: d.tag, Num: d.num, Name: d.name, ListedSize: -1}
	if d.line[d.pos] == '~' {
		info.Binary = true
		d.pos++
	}
	d.pos++ // "{"
	start := d.pos
	for d.pos < len(d.line) && isDigit(d.line[d.pos]) {
		d.pos++
	}
	size, err := strconv.ParseInt(string(d.line[start:d.pos]), 10, 64)
	if err != nil || d.pos-start > 19 {
		d.pos = start
		return info, d.syntax("expected the literal's size after \"{\"")
	}
	if d.pos < len(d.line) && d.line[d.pos] == '+' {
		d.pos++
	}
	if d.pos >= len(d.line) || d.line[d.pos] != '}' || d.pos+1 != len(d.line) {
		return info, d.syntax("expected \"}\" and the end of the line after the literal's size")
	}
	d.pos++
	info.Size = size
	if d.name == "FETCH" && item != "" {
		info.Item = strings.ToUpper(item)
		info.Body = isBodyItem(info.Item)
		info.UID, info.ListedSize = d.uid, d.size
	}
	return info, nil
}

// isBodyItem reports whether a FETCH item carries message content
// (RFC 9051 §7.5.2 BODY[...], BINARY[...]; RFC 3501 RFC822, RFC822.HEADER,
// RFC822.TEXT).
func isBodyItem(item string) bool {
	switch item {
	case "RFC822", "RFC822.HEADER", "RFC822.TEXT":
		return true
	}
	return strings.HasPrefix(item, "BODY[") || strings.HasPrefix(item, "BINARY[") ||
		strings.HasPrefix(item, "BODY.PEEK[") || strings.HasPrefix(item, "BINARY.PEEK[")
}

// literalBody hands the literal to the LiteralFunc or buffers it, within
// the limits.
func (d *Decoder) literalBody(info LiteralInfo) (imap.Value, error) {
	f := d.opts.Literal
	if !info.Body && info.Size > d.opts.MaxLiteral {
		return nil, d.limitError(info, d.opts.MaxLiteral)
	}
	if f != nil && (info.Body || info.Size > d.opts.StreamThreshold) {
		return d.streamLiteral(info, f)
	}
	if info.Body && info.Size > d.opts.MaxBodyBuffer {
		return nil, d.limitError(info, d.opts.MaxBodyBuffer)
	}
	if err := d.charge(info.Size, "literal"); err != nil {
		return nil, err
	}
	if info.Size == 0 {
		return imap.Str(""), nil
	}
	buf := make([]byte, info.Size)
	if _, err := io.ReadFull(d.r, buf); err != nil {
		return nil, d.readErr(info, err)
	}
	// buf is never written again: share it instead of copying (a 64 MiB
	// body would otherwise be held twice for a moment).
	return imap.Str(unsafe.String(&buf[0], len(buf))), nil
}

func (d *Decoder) limitError(info LiteralInfo, limit int64) error {
	what := "literal"
	if info.Item != "" {
		what = info.Item + " literal"
	}
	return fmt.Errorf("imapwire: %s of %d bytes in %s response exceeds the limit of %d bytes; not read, stream unusable: %w",
		what, info.Size, responseLabel(info), limit, ErrLimit)
}

func (d *Decoder) readErr(info LiteralInfo, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("imapwire: reading %d-byte literal of %s response: %w", info.Size, responseLabel(info), err)
}

func responseLabel(info LiteralInfo) string {
	if info.Num != 0 {
		return fmt.Sprintf("%s %d %s", info.Tag, info.Num, info.Name)
	}
	return strings.TrimSpace(info.Tag + " " + info.Name)
}

// streamLiteral passes the literal to f, then discards what f left unread.
// f reads through exactLiteral: a stream that ends before the literal does
// is io.ErrUnexpectedEOF to f, never io.EOF, so that a body cut short by a
// lost connection is never taken for a whole (truncated) message.
func (d *Decoder) streamLiteral(info LiteralInfo, f LiteralFunc) (imap.Value, error) {
	d.limited = io.LimitedReader{R: d.r, N: info.Size}
	v, ferr := f(info, exactLiteral{&d.limited})
	if errors.Is(ferr, ErrLimit) && d.limited.N == info.Size {
		// Refused by size before a byte was read: draining a literal
		// announced as, say, 100 GB would take as long as reading it.
		return nil, ferr
	}
	if d.limited.N > 0 {
		if _, err := io.Copy(io.Discard, &d.limited); err != nil {
			return nil, d.readErr(info, err)
		}
		if d.limited.N > 0 {
			return nil, d.readErr(info, io.ErrUnexpectedEOF)
		}
	}
	if ferr != nil {
		if d.litErr == nil {
			d.litErr = &LiteralError{Info: info, Err: ferr}
		}
		return imap.NIL, nil
	}
	if v == nil {
		v = imap.Streamed{Size: info.Size, Binary: info.Binary}
	}
	return v, nil
}

// exactLiteral reads a literal's bytes: io.EOF only after all of them.
type exactLiteral struct{ lr *io.LimitedReader }

// Read reads from the literal, turning an early end of the stream into
// io.ErrUnexpectedEOF.
func (e exactLiteral) Read(p []byte) (int, error) {
	n, err := e.lr.Read(p)
	if err == io.EOF && e.lr.N > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
