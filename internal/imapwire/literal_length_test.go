package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// A literal is sent exactly as announced or not at all: a reader that
// yields fewer or more bytes than the announced size, or a NUL in a plain
// literal, is an error saying the connection is unusable — never a
// silently cut, padded or altered literal (issue 11, item 5).
func TestEncodeLiteralLengthMustMatch(t *testing.T) {
	cases := []struct {
		name string
		lit  *imap.LiteralArg
	}{
		{"short", imap.Literal(10, strings.NewReader("12345"))},
		{"long", imap.Literal(5, strings.NewReader("1234567890"))},
		{"NUL in a plain literal", imap.Literal(5, strings.NewReader("12\x0045"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewEncoder(bufio.NewWriter(&buf), EncoderOptions{LiteralPlus: true})
			err := e.WriteCommand("a1", []imap.Value{imap.Atom("APPEND"), imap.Atom("INBOX"), c.lit}, nil)
			if err == nil {
				t.Fatalf("no error; sent %q", buf.String())
			}
			if !errors.Is(err, ErrLiteralMismatch) {
				t.Errorf("error %v does not wrap ErrLiteralMismatch", err)
			}
			if !strings.Contains(err.Error(), "connection") {
				t.Errorf("error %q does not say the connection is unusable", err)
			}
			if strings.HasSuffix(buf.String(), "\r\n") && !strings.HasSuffix(buf.String(), "+}\r\n") {
				t.Errorf("the command was terminated: %q", buf.String())
			}
		})
	}
	t.Run("literal8 may hold NUL", func(t *testing.T) {
		var buf bytes.Buffer
		e := NewEncoder(bufio.NewWriter(&buf), EncoderOptions{LiteralPlus: true})
		err := e.WriteCommand("a1", []imap.Value{imap.Atom("APPEND"), imap.Atom("INBOX"), imap.Literal8(5, strings.NewReader("12\x0045"))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := "a1 APPEND INBOX ~{5+}\r\n12\x0045\r\n"; buf.String() != want {
			t.Errorf("sent %q, want %q", buf.String(), want)
		}
	})
}
