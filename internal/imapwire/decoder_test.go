package imapwire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

func decodeAll(t *testing.T, in string, opts DecoderOptions) []*imap.Response {
	t.Helper()
	d := NewDecoder(bufio.NewReader(strings.NewReader(in)), opts)
	var out []*imap.Response
	for {
		r, err := d.ReadResponse()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decoding %q: %v", in, err)
		}
		out = append(out, r)
	}
}

func decodeErr(in string, opts DecoderOptions) error {
	d := NewDecoder(bufio.NewReader(strings.NewReader(in)), opts)
	for {
		_, err := d.ReadResponse()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// TestReadableForm: each response decodes and prints back to its wire form.
func TestReadableForm(t *testing.T) {
	rows := []struct{ in, want string }{
		{"* 12 FETCH (UID 40 FLAGS (\\Seen))\r\n", `* 12 FETCH (UID 40 FLAGS (\Seen))`},
		{"a1 OK [READ-WRITE] SELECT completed\r\n", "a1 OK [READ-WRITE] SELECT completed"},
		{"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", "* OK [UIDVALIDITY 3857529045] UIDs valid"},
		{"+ idling\r\n", "+ idling"},
		{"+\r\n", "+"},
		{"* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n", "* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED"},
		{"* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n", `* LIST (\Noselect) "/" ~/Mail/foo`},
		{"* 1 FETCH (BODY[HEADER.FIELDS (DATE FROM)]<0> {5}\r\nabcde UID 3)\r\n", `* 1 FETCH (BODY[HEADER.FIELDS (DATE FROM)]<0> "abcde" UID 3)`},
		{"* OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n", "* OK [COPYUID 38505 304,319:320 3956:3958] Done"},
		{"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n", `* NAMESPACE (("" "/")) NIL NIL`},
		{"a2 ok\r\n", "a2 OK"},
		{"* search 2 3 \r\n", "* search 2 3"},
		{"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n", `* OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited`},
		{"* OK [ALERT]\r\n", "* OK [ALERT]"},
		{"* BYE [not a code\r\n", "* BYE [not a code"},
		{"* 3 EXPUNGE\n", "* 3 EXPUNGE"},
		{"* XFOO ((( bad\r\n", "* XFOO ((( bad"},
	}
	for _, r := range rows {
		got := decodeAll(t, r.in, DecoderOptions{})
		if len(got) != 1 || got[0].String() != r.want {
			t.Errorf("%q decoded to %v, want %q", r.in, got, r.want)
		}
	}
}

func TestStatusResponse(t *testing.T) {
	r := decodeAll(t, "A1 NO [TRYCREATE] Mailbox doesn't exist: Foo\r\n", DecoderOptions{})[0]
	err := r.Err()
	if !imap.HasCode(err, "TRYCREATE") {
		t.Fatalf("Err() = %v, want TRYCREATE", err)
	}
	if got, want := err.Error(), "imap: NO [TRYCREATE] Mailbox doesn't exist: Foo"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if r.Tag != "A1" || r.Status != imap.StatusNO || r.Text != "Mailbox doesn't exist: Foo" {
		t.Errorf("fields: %+v", r)
	}
}

func TestSyntaxErrorSaysWhere(t *testing.T) {
	err := decodeErr("* 1 FETCH (UID 40\"x\")\r\n", DecoderOptions{})
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *SyntaxError", err)
	}
	if se.Offset != 17 || se.Line != 1 || !strings.Contains(se.Error(), `expected SP or ")" after "40" at byte 17 of response line 1`) {
		t.Errorf("error = %q", se.Error())
	}
}

func TestLimits(t *testing.T) {
	rows := []struct {
		name, in string
		opts     DecoderOptions
	}{
		{"huge non-body literal", "* ID (\"x\" {99999999999}\r\n", DecoderOptions{}},
		{"deep nesting", "* XLIST " + strings.Repeat("(", 100000) + "\r\n", DecoderOptions{}},
		{"long line", "* SEARCH " + strings.Repeat("1 ", 1000) + "\r\n", DecoderOptions{MaxLine: 100}},
		{"body above buffer limit", "* 1 FETCH (BODY[] {1000}\r\n", DecoderOptions{MaxBodyBuffer: 999}},
		{"many literals", "* ID (" + strings.Repeat("{100}\r\n"+strings.Repeat("x", 100)+" ", 200) + ")\r\n", DecoderOptions{MaxResponse: 10000}},
		{"many empty lists", "* XLIST " + strings.Repeat("() ", 2000) + "\r\n", DecoderOptions{MaxResponse: 32000}},
	}
	for _, r := range rows {
		err := decodeErr(r.in, r.opts)
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%s: err = %v, want ErrLimit", r.name, err)
		}
	}
}

func TestStickyError(t *testing.T) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("* 1 FETCH (\r\n* OK fine\r\n")), DecoderOptions{})
	_, err1 := d.ReadResponse()
	_, err2 := d.ReadResponse()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v, %v: want the same sticky error", err1, err2)
	}
}

func TestLiteralCallback(t *testing.T) {
	in := "* 7 FETCH (UID 9 BODY[] {11}\r\nhello world RFC822.SIZE 11)\r\n* ID (\"name\" {3}\r\nabc)\r\n"
	var infos []LiteralInfo
	var got strings.Builder
	opts := DecoderOptions{Literal: func(info LiteralInfo, r io.Reader) (imap.Value, error) {
		infos = append(infos, info)
		_, err := io.Copy(&got, r)
		return imap.Streamed{Size: info.Size, Ref: "file"}, err
	}}
	rs := decodeAll(t, in, opts)
	// The UID came before the body; RFC822.SIZE after it, so it is unknown.
	want := LiteralInfo{Tag: "*", Num: 7, Name: "FETCH", Item: "BODY[]", Size: 11, Body: true, UID: 9, ListedSize: -1}
	if len(infos) != 1 || infos[0] != want {
		t.Fatalf("callback infos = %+v, want only %+v", infos, want)
	}
	if got.String() != "hello world" {
		t.Errorf("callback read %q", got.String())
	}
	if s := rs[0].String(); s != "* 7 FETCH (UID 9 BODY[] {11}<streamed> RFC822.SIZE 11)" {
		t.Errorf("response = %s", s)
	}
	if s := rs[1].String(); s != `* ID ("name" "abc")` {
		t.Errorf("small non-body literal should be buffered: %s", s)
	}
}

// TestLiteralInfoItemsBefore: a body literal knows the UID and RFC822.SIZE
// sent before it in its FETCH response, and nothing of an earlier response.
func TestLiteralInfoItemsBefore(t *testing.T) {
	in := "* 1 FETCH (uid 5 RFC822.SIZE 3 FLAGS (\\Seen) BODY[] {3}\r\nabc)\r\n* 2 FETCH (BODY[] {2}\r\nxy UID 6)\r\n"
	var infos []LiteralInfo
	decodeAll(t, in, DecoderOptions{Literal: func(info LiteralInfo, r io.Reader) (imap.Value, error) {
		infos = append(infos, info)
		return nil, nil
	}})
	if len(infos) != 2 {
		t.Fatalf("got %d literals, want 2", len(infos))
	}
	if infos[0].UID != 5 || infos[0].ListedSize != 3 {
		t.Errorf("first body: UID %d, listed size %d; want 5, 3", infos[0].UID, infos[0].ListedSize)
	}
	if infos[1].UID != 0 || infos[1].ListedSize != -1 {
		t.Errorf("second body (UID after it): UID %d, listed size %d; want 0, -1", infos[1].UID, infos[1].ListedSize)
	}
}

func TestLiteralCallbackError(t *testing.T) {
	in := "* 7 FETCH (BODY[] {11}\r\nhello world UID 3)\r\n* 8 EXISTS\r\n"
	boom := errors.New("disk full")
	d := NewDecoder(bufio.NewReader(strings.NewReader(in)), DecoderOptions{Literal: func(info LiteralInfo, r io.Reader) (imap.Value, error) {
		return nil, boom
	}})
	r, err := d.ReadResponse()
	var le *LiteralError
	if !errors.As(err, &le) || !errors.Is(err, boom) || r == nil || r.String() != "* 7 FETCH (BODY[] NIL UID 3)" {
		t.Fatalf("got %v, %v", r, err)
	}
	if r, err := d.ReadResponse(); err != nil || r.Name() != "EXISTS" {
		t.Fatalf("stream not usable after callback error: %v, %v", r, err)
	}
}

func TestReset(t *testing.T) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("* 1 EXISTS\r\n")), DecoderOptions{})
	if _, err := d.ReadResponse(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadResponse(); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
	d.Reset(bufio.NewReader(strings.NewReader("* 2 EXISTS\r\n")), true)
	if r, err := d.ReadResponse(); err != nil || r.String() != "* 2 EXISTS" {
		t.Fatalf("after Reset: %v, %v", r, err)
	}
}

func TestHugeLiteralErrorSaysWhat(t *testing.T) {
	err := decodeErr("* 3 FETCH (ENVELOPE (\"x\" {99999999999}\r\n", DecoderOptions{})
	msg := fmt.Sprint(err)
	for _, want := range []string{"99999999999", "1048576", "* 3 FETCH", "unusable"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	err = decodeErr("* 4 FETCH (BODY[] {70000000}\r\n", DecoderOptions{})
	if msg := fmt.Sprint(err); !errors.Is(err, ErrLimit) || !strings.Contains(msg, "BODY[] literal of 70000000 bytes") {
		t.Errorf("body over buffer limit: %v", err)
	}
}
