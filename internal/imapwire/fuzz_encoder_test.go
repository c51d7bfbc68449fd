package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/mutf7"
)

// splitCommand parses what the encoder wrote: "tag SP arg *(SP arg) CRLF"
// with quoted strings, literals and bare tokens, and returns the args'
// contents. It fails on any CR or LF outside a literal other than the
// final CRLF: that would be command injection.
func splitCommand(t *testing.T, out []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Fatalf("command %q does not end in CRLF", out)
	}
	body := out[:len(out)-2]
	var args []string
	for i := 0; i < len(body); {
		switch {
		case body[i] == ' ':
			i++
		case body[i] == '"':
			s, n := unquoteAt(t, body[i:])
			args, i = append(args, s), i+n
		case body[i] == '{' || (body[i] == '~' && i+1 < len(body) && body[i+1] == '{'):
			s, n := literalAt(t, body[i:])
			args, i = append(args, s), i+n
		default:
			j := i
			for j < len(body) && body[j] != ' ' {
				if body[j] == '\r' || body[j] == '\n' || body[j] == 0 {
					t.Fatalf("CR, LF or NUL outside a literal in %q", out)
				}
				j++
			}
			args, i = append(args, string(body[i:j])), j
		}
	}
	return args
}

func unquoteAt(t *testing.T, b []byte) (string, int) {
	var s []byte
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
			s = append(s, b[i])
		case '"':
			return string(s), i + 1
		case '\r', '\n', 0:
			t.Fatalf("CR, LF or NUL in quoted string %q", b)
		default:
			s = append(s, b[i])
		}
	}
	t.Fatalf("unterminated quoted string %q", b)
	return "", 0
}

func literalAt(t *testing.T, b []byte) (string, int) {
	end := bytes.Index(b, []byte("}\r\n"))
	if end < 0 {
		t.Fatalf("bad literal header in %q", b)
	}
	digits := bytes.TrimSuffix(bytes.TrimLeft(b[:end], "~{"), []byte("+"))
	n, err := strconv.Atoi(string(digits))
	if err != nil || end+3+n > len(b) {
		t.Fatalf("bad literal size in %q", b)
	}
	return string(b[end+3 : end+3+n]), end + 3 + n
}

// FuzzEncodeStrings: any text given as Str, AStr or Mailbox is either
// refused before anything is written, or written so that a parser of the
// grammar gets exactly that text back, never a CR or LF outside a literal.
func FuzzEncodeStrings(f *testing.F) {
	for _, s := range []string{"", "INBOX", "NIL", "a b", `p"w\d`, "x\r\nA2 DELETE INBOX", "Grüße", "Entwürfe", "&", "{5}", "\x00", "a]b"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, s string, flags uint8) {
		opts := EncoderOptions{LiteralPlus: flags&1 != 0, LiteralMinus: flags&2 != 0, UTF8: flags&4 != 0}
		var buf bytes.Buffer
		e := NewEncoder(bufio.NewWriter(&buf), opts)
		args := []imap.Value{imap.Atom("X"), imap.Str(s), imap.AStr(s), imap.Mailbox(s)}
		err := e.WriteCommand("a1", args, func() error { return nil })
		if err != nil {
			if !errors.Is(err, ErrUnsafe) || buf.Len() != 0 {
				t.Fatalf("error %v after writing %q", err, buf.Bytes())
			}
			return
		}
		got := splitCommand(t, buf.Bytes())
		mbox := s
		if !opts.UTF8 {
			mbox = mutf7.Encode(s)
		}
		if len(got) != 5 || got[0] != "a1" || got[1] != "X" || got[2] != s || got[3] != s || got[4] != mbox {
			t.Fatalf("%q with %+v wrote %q, parsed back as %q", s, opts, buf.Bytes(), got)
		}
	})
}
