package imapwire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// A connection that ends in the middle of a streamed literal must never
// look like the end of the literal to the consumer: a body cut short and
// read to a clean io.EOF would be stored as a complete (truncated) message.
func TestStreamedLiteralCutShortIsAnError(t *testing.T) {
	in := "* 1 FETCH (UID 7 BODY[] {100}\r\n" + strings.Repeat("x", 40) // the connection ends here
	var got []byte
	var readErr error
	d := NewDecoder(bufio.NewReader(strings.NewReader(in)), DecoderOptions{Literal: func(info LiteralInfo, r io.Reader) (imap.Value, error) {
		got, readErr = io.ReadAll(r)
		return nil, readErr
	}})
	_, err := d.ReadResponse()
	if len(got) != 40 {
		t.Fatalf("the consumer read %d bytes, want the 40 that came", len(got))
	}
	if !errors.Is(readErr, io.ErrUnexpectedEOF) {
		t.Errorf("reading a literal cut after 40 of 100 bytes ended with %v, want io.ErrUnexpectedEOF", readErr)
	}
	if err == nil {
		t.Errorf("the decoder reported no error for a response cut inside a literal")
	}
}
