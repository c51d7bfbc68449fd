package maildir

import (
	"bytes"
	"io"
)

// Messages travel as CRLF on the wire (RFC 5322 §2.1, RFC 9051 §4.3) and
// are stored with LF in a Maildir, as Dovecot, mbsync and mail readers
// expect. The converters below stream (bounded memory), handle a CRLF split
// across two reads or writes, and change nothing else: a CR not followed by
// LF is kept, and ToCRLF does not double an existing CRLF.

const convBufSize = 32 * 1024

// lfConv turns CRLF into LF. A CR at the end of a chunk is held back until
// the next byte shows whether it starts a CRLF.
type lfConv struct{ pendingCR bool }

func (c *lfConv) convert(dst, src []byte) []byte {
	for len(src) > 0 {
		if c.pendingCR {
			c.pendingCR = false
			if src[0] == '\n' {
				dst = append(dst, '\n')
				src = src[1:]
				continue
			}
			dst = append(dst, '\r')
		}
		i := bytes.IndexByte(src, '\r')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i+1:]
		c.pendingCR = true
	}
	return dst
}

func (c *lfConv) flush(dst []byte) []byte {
	if c.pendingCR {
		c.pendingCR = false
		dst = append(dst, '\r')
	}
	return dst
}

// crlfConv turns a LF not preceded by CR into CRLF.
type crlfConv struct{ prevCR bool }

func (c *crlfConv) convert(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			c.prevCR = src[len(src)-1] == '\r'
			return append(dst, src...)
		}
		hasCR := c.prevCR
		if i > 0 {
			hasCR = src[i-1] == '\r'
		}
		dst = append(dst, src[:i]...)
		if !hasCR {
			dst = append(dst, '\r')
		}
		dst = append(dst, '\n')
		src = src[i+1:]
		c.prevCR = false
	}
	return dst
}

func (c *crlfConv) flush(dst []byte) []byte { return dst }

type converter interface {
	convert(dst, src []byte) []byte
	flush(dst []byte) []byte
}

// convReader applies a converter to what it reads.
type convReader struct {
	r    io.Reader
	conv converter
	in   []byte
	out  []byte // converted, not yet returned: out[off:]
	off  int
	err  error
}

// NewToLFReader returns a reader that yields r's bytes with every CRLF
// turned into LF. Everything else, including a lone CR, passes unchanged.
func NewToLFReader(r io.Reader) io.Reader { return &convReader{r: r, conv: &lfConv{}} }

// NewToCRLFReader returns a reader that yields r's bytes with every LF not
// already preceded by CR turned into CRLF, as IMAP APPEND needs (RFC 9051
// §6.3.12: some servers reject bare LF). Existing CRLFs are kept as they are.
func NewToCRLFReader(r io.Reader) io.Reader { return &convReader{r: r, conv: &crlfConv{}} }

// Read implements io.Reader.
func (c *convReader) Read(p []byte) (int, error) {
	for c.off == len(c.out) {
		if c.err != nil {
			return 0, c.err
		}
		c.fill()
	}
	n := copy(p, c.out[c.off:])
	c.off += n
	return n, nil
}

// fill reads one chunk from the source and converts it.
func (c *convReader) fill() {
	if c.in == nil {
		c.in = make([]byte, convBufSize)
	}
	n, err := c.r.Read(c.in)
	c.out = c.conv.convert(c.out[:0], c.in[:n])
	c.off = 0
	if err != nil {
		c.out = c.conv.flush(c.out)
		c.err = err
	}
}

// ToLFWriter writes to an underlying writer with every CRLF turned into LF.
// Close must be called at the end to write a final held-back CR.
type ToLFWriter struct {
	w    io.Writer
	conv lfConv
	buf  []byte
}

// NewToLFWriter returns a ToLFWriter writing to w.
func NewToLFWriter(w io.Writer) *ToLFWriter { return &ToLFWriter{w: w} }

// Write converts p and writes the result. It reports len(p) on success.
func (t *ToLFWriter) Write(p []byte) (int, error) {
	t.buf = t.conv.convert(t.buf[:0], p)
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes a CR held back from the last Write (input ending in CR). It
// does not close the underlying writer.
func (t *ToLFWriter) Close() error {
	t.buf = t.conv.flush(t.buf[:0])
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.w.Write(t.buf)
	return err
}
