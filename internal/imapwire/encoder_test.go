package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// encode writes one command and returns the bytes and how often the
// continuation hook ran.
func encode(t *testing.T, opts EncoderOptions, tag string, args ...imap.Value) (string, int) {
	t.Helper()
	var buf bytes.Buffer
	conts := 0
	e := NewEncoder(bufio.NewWriter(&buf), opts)
	err := e.WriteCommand(tag, args, func() error { conts++; buf.WriteString("<+>"); return nil })
	if err != nil {
		t.Fatalf("WriteCommand(%s %v): %v", tag, args, err)
	}
	return buf.String(), conts
}

func TestEncodeStrings(t *testing.T) {
	rows := []struct {
		opts  EncoderOptions
		v     imap.Value
		want  string
		conts int
	}{
		{EncoderOptions{}, imap.Str("x"), "a \"x\"\r\n", 0},
		{EncoderOptions{}, imap.AStr("user"), "a user\r\n", 0},
		{EncoderOptions{}, imap.AStr("nil"), "a \"nil\"\r\n", 0},
		{EncoderOptions{}, imap.AStr(""), "a \"\"\r\n", 0},
		{EncoderOptions{}, imap.AStr(`p"w\d`), "a \"p\\\"w\\\\d\"\r\n", 0},
		{EncoderOptions{}, imap.Str("a\r\nb"), "a {4}\r\n<+>a\r\nb\r\n", 1},
		{EncoderOptions{LiteralPlus: true}, imap.Str("a\r\nb"), "a {4+}\r\na\r\nb\r\n", 0},
		{EncoderOptions{LiteralMinus: true}, imap.Str("a\r\nb"), "a {4+}\r\na\r\nb\r\n", 0},
		{EncoderOptions{LiteralMinus: true}, imap.Str(strings.Repeat("\n", 4097)), "a {4097}\r\n<+>" + strings.Repeat("\n", 4097) + "\r\n", 1},
		{EncoderOptions{}, imap.Str("Grüße"), "a {7}\r\n<+>Grüße\r\n", 1},
		{EncoderOptions{UTF8: true}, imap.Str("Grüße"), "a \"Grüße\"\r\n", 0},
		{EncoderOptions{}, imap.Mailbox("Entwürfe"), "a Entw&APw-rfe\r\n", 0},
		{EncoderOptions{}, imap.Mailbox("~peter/mail/台北/日本語"), "a ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n", 0},
		{EncoderOptions{UTF8: true}, imap.Mailbox("Entwürfe"), "a \"Entwürfe\"\r\n", 0},
		{EncoderOptions{}, imap.Mailbox("My Folder"), "a \"My Folder\"\r\n", 0},
		{EncoderOptions{}, imap.Mailbox("*"), "a \"*\"\r\n", 0},
		{EncoderOptions{}, imap.List{imap.FlagSeen, imap.Flag("$Junk")}, "a (\\Seen $Junk)\r\n", 0},
		{EncoderOptions{}, imap.List{}, "a ()\r\n", 0},
		{EncoderOptions{}, imap.NIL, "a NIL\r\n", 0},
		{EncoderOptions{}, imap.UIDSetOf(1, 2, 3, 7), "a 1:3,7\r\n", 0},
		{EncoderOptions{}, imap.Literal(3, strings.NewReader("abc")), "a {3}\r\n<+>abc\r\n", 1},
		{EncoderOptions{LiteralPlus: true}, imap.Literal8(3, strings.NewReader("a\x00c")), "a ~{3+}\r\na\x00c\r\n", 0},
	}
	for _, r := range rows {
		got, conts := encode(t, r.opts, "a", r.v)
		if got != r.want || conts != r.conts {
			t.Errorf("%#v with %+v: got %q (%d continuations), want %q (%d)", r.v, r.opts, got, conts, r.want, r.conts)
		}
	}
}

func TestEncodeRefusesUnsafe(t *testing.T) {
	rows := []imap.Value{
		imap.Atom("a b"), imap.Atom("x\r\nA2 DELETE INBOX"), imap.Raw("BODY[]\r\n"), imap.Flag(""),
		imap.Str("nul\x00"), imap.Mailbox("a\x00b"), imap.UIDSet{}, imap.UID(0),
		imap.List{imap.Atom("ok"), imap.Raw("x\ny")}, imap.Literal(-1, strings.NewReader("")),
		imap.Streamed{Size: 3},
	}
	for _, v := range rows {
		var buf bytes.Buffer
		e := NewEncoder(bufio.NewWriter(&buf), EncoderOptions{})
		err := e.WriteCommand("a1", []imap.Value{imap.Atom("NOOP"), v}, func() error { return nil })
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("%#v: err = %v, want ErrUnsafe", v, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%#v: %q was written", v, buf.String())
		}
	}
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf), EncoderOptions{})
	if err := e.WriteCommand("a+", nil, nil); !errors.Is(err, ErrUnsafe) {
		t.Errorf("tag with '+': %v", err)
	}
	if err := e.WriteLine("DONE\r\nX"); !errors.Is(err, ErrUnsafe) {
		t.Errorf("WriteLine with CRLF: %v", err)
	}
}

func TestEncodeContinuationRefused(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf), EncoderOptions{})
	refused := errors.New("a1 NO too big")
	err := e.WriteCommand("a1", []imap.Value{imap.Atom("APPEND"), imap.Mailbox("INBOX"), imap.Literal(5, strings.NewReader("hello"))},
		func() error { return refused })
	if !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the refusal", err)
	}
	if buf.String() != "a1 APPEND INBOX {5}\r\n" {
		t.Errorf("wrote %q; the literal must not follow a refusal", buf.String())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func newTestEncoder(w io.Writer) (*Encoder, *bufio.Writer) {
	bw := bufio.NewWriter(w)
	return NewEncoder(bw, EncoderOptions{}), bw
}
