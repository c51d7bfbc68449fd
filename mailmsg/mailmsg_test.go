package mailmsg

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDecodeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?UTF-8?Q?a_b?=", "a b"},
		{"=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=", "éé"},
		{"=?UTF-8?B?w6k?=", "é"}, // missing padding
		{"x =?UTF-8?Q?y?= z", "x y z"},
		{"=?UTF-8?Q?a?= b =?UTF-8?Q?c?=", "a b c"},
		{"=?ISO-8859-1?Q?Gr=FC=DFe?=", "Grüße"},
		{"=?iso-8859-15?q?=A4?=", "€"},
		{"=?UTF-8*en?Q?lang?=", "lang"},
		{"=?bogus?Q?x?=", "=?bogus?Q?x?="},
		{"=?UTF-8?X?x?=", "=?UTF-8?X?x?="},
		{"=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated"},
		{"a=?", "a=?"},
		{"=?", "=?"},
		{"Gr\xfc\xdfe", "Grüße"}, // raw Latin-1
		{"=?UTF-8?Q?=FF?=", "\uFFFD"},
		{"=?UTF-8?Q?bad=escape=4?=", "bad=escape=4"},
	}
	for _, tt := range tests {
		if got := DecodeText(tt.in); got != tt.want {
			t.Errorf("DecodeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodeTextRoundTrip(t *testing.T) {
	for _, s := range []string{"Ärger", "a,b", strings.Repeat("日本語", 40), strings.Repeat("x", 200), " lead"} {
		enc := EncodeText(s)
		if strings.Contains(enc, ",") {
			t.Errorf("EncodeText(%q) has a comma", s)
		}
		for _, w := range strings.Fields(enc) {
			if len(w) > 75 {
				t.Errorf("encoded word of %d chars", len(w))
			}
		}
		if got := DecodeText(enc); got != s {
			t.Errorf("DecodeText(EncodeText(%q)) = %q", s, got)
		}
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in, token string
		params    map[string]string
	}{
		{`text/plain; charset="UTF-8"; format=flowed`, "text/plain", map[string]string{"charset": "UTF-8", "format": "flowed"}},
		{`Text/HTML`, "text/html", map[string]string{}},
		{`attachment; filename*=UTF-8''%E2%82%AC.txt`, "attachment", map[string]string{"filename": "€.txt"}},
		{`attachment; filename*0="a"; filename*1="b"; filename*2=c`, "attachment", map[string]string{"filename": "abc"}},
		{`x; title*0*=us-ascii'en'This%20is%20; title*1*=%2A%2A%2Afun%2A%2A%2A`, "x", map[string]string{"title": "This is ***fun***"}},
		{`x; name*=koi8-r''%F0%D2%C9%D7%C5%D4`, "x", map[string]string{"name": "Привет"}},
		{`x; name="=?UTF-8?B?w6k=?=.pdf"`, "x", map[string]string{"name": "é.pdf"}},
		{`x; q="a \"quoted\"; semi"; next=1`, "x", map[string]string{"q": `a "quoted"; semi`, "next": "1"}},
		{`x; broken; =novalue; ok=1; ok=2`, "x", map[string]string{"ok": "1"}},
		{`x (comment) ; a=1`, "x", map[string]string{"a": "1"}},
	}
	for _, tt := range tests {
		tok, p := ParseParams(tt.in)
		if tok != tt.token || !reflect.DeepEqual(p, tt.params) {
			t.Errorf("ParseParams(%q) = %q %q, want %q %q", tt.in, tok, p, tt.token, tt.params)
		}
	}
}

func TestNormalizeMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<a@b>", "<a@b>"},
		{"  <a@b>  ", "<a@b>"},
		{"(c) <a@b> (d)", "<a@b>"},
		{"<a @\r\n b>", "<a@b>"},
		{"a@b", "<a@b>"},
		{"a@b junk", "<a@b>"},
		{"<a@b> <c@d>", "<a@b>"},
		{"<a@b", "<a@b>"},
		{"<>", ""},
		{"", ""},
		{"(only a comment)", ""},
		{`<"q(x)"@b>`, `<"q(x)"@b>`},
	}
	for _, tt := range tests {
		if got := NormalizeMessageID(tt.in); got != tt.want {
			t.Errorf("NormalizeMessageID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func readHdr(t *testing.T, s string) *Header {
	t.Helper()
	h, err := ReadHeader(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHeaderHash: the IMAP (CRLF) and Maildir (LF, X-Keywords added)
// copies of a message hash the same; a changed field does not.
func TestHeaderHash(t *testing.T) {
	lf := "From: a@b\nSubject: s\n folded\nDate: x\n\n"
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	local := "From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nSubject: s\n folded\nX-Keywords: L\nStatus: RO\nDate: x\n\n"
	noSep := "From: a@b\nSubject: s\n folded\nDate: x"
	h := HeaderHash(readHdr(t, lf))
	for _, m := range []string{crlf, local, noSep} {
		if got := HeaderHash(readHdr(t, m)); got != h {
			t.Errorf("HeaderHash(%q) differs", m)
		}
	}
	if HeaderHash(readHdr(t, strings.Replace(lf, "Subject: s", "Subject: t", 1))) == h {
		t.Error("different subjects hash the same")
	}
}

func TestSetAddRemove(t *testing.T) {
	h := readHdr(t, "A: 1\r\nB: 2\r\nA: 3\r\n\r\n")
	if err := h.Set("a", "new"); err != nil {
		t.Fatal(err)
	}
	if got := string(h.Bytes()); got != "a: new\r\nB: 2\r\n\r\n" {
		t.Errorf("Set = %q", got)
	}
	h.Add("C", "x")
	h.Add("C", "y")
	if n := h.Remove("c"); n != 2 || string(h.Bytes()) != "a: new\r\nB: 2\r\n\r\n" {
		t.Errorf("Remove = %d, %q", n, h.Bytes())
	}
	for _, bad := range [][2]string{{"", "v"}, {"Bad Name", "v"}, {"N:", "v"}, {"X", "a\r\nInjected: 1"}, {"X", "a\nb"}, {"X", "\x00"}} {
		if err := h.Set(bad[0], bad[1]); err == nil {
			t.Errorf("Set(%q, %q) accepted", bad[0], bad[1])
		}
	}
	long := strings.TrimSpace(strings.Repeat("word ", 40))
	h.Set("X-Long", long)
	f, _ := h.Get("x-long")
	if f.Value() != long || bytes.Count(f.Raw(), []byte("\r\n")) < 2 {
		t.Errorf("folded field %q unfolds to %q", f.Raw(), f.Value())
	}
	// header without a final newline: the new field goes before the last
	h = readHdr(t, "A: 1\nB: 2")
	h.Add("C", "3")
	if got := string(h.Bytes()); got != "A: 1\nC: 3\nB: 2" {
		t.Errorf("Add before unterminated field = %q", got)
	}
}

func TestReadHeaderLimits(t *testing.T) {
	big := "X: " + strings.Repeat("a", 3000) + "\n\n"
	if _, err := ReadHeaderLimit(bufio.NewReader(strings.NewReader(big)), 1000); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadHeader(bufio.NewReaderSize(strings.NewReader(big), 16)); err == nil {
		t.Error("tiny bufio.Reader accepted")
	}
	// a field name longer than the peek window is not a field
	long := strings.Repeat("N", 5000) + ": v\n\nbody"
	h, err := ReadHeader(bufio.NewReader(strings.NewReader(long)))
	if err != nil || len(h.Fields()) != 0 {
		t.Errorf("long name: %v %d fields", err, len(h.Fields()))
	}
}

// errAfter is a reader that fails after its data.
type errAfter struct{ r io.Reader }

func (e errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestReadHeaderReadError(t *testing.T) {
	_, err := ReadHeader(bufio.NewReader(errAfter{strings.NewReader("A: 1\nB: 2")}))
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error lost: %v", err)
	}
}

// bigMessage streams a MIME message with a base64 attachment of n bytes,
// CRLF line endings, created at test time rather than committed.
type bigMessage struct {
	header, tail []byte
	left         int
	line         []byte
	off          int
}

func newBigMessage(n int) *bigMessage {
	h := "From: a@example.org\r\nSubject: big\r\nMessage-ID: <big@x>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n"
	return &bigMessage{header: []byte(h), tail: []byte("--XX--\r\n"), left: n,
		line: []byte(strings.Repeat("QUJD", 19) + "\r\n")}
}

func (b *bigMessage) Read(p []byte) (int, error) {
	switch {
	case len(b.header) > 0:
		n := copy(p, b.header)
		b.header = b.header[n:]
		return n, nil
	case b.left > 0:
		n := copy(p[:min(len(p), b.left)], b.line[b.off:])
		b.off = (b.off + n) % len(b.line)
		b.left -= n
		return n, nil
	case len(b.tail) > 0:
		n := copy(p, b.tail)
		b.tail = b.tail[n:]
		return n, nil
	}
	return 0, io.EOF
}

// TestBigAttachment: a 10 MB message gets its X-Keywords set with the
// body streamed through unchanged.
func TestBigAttachment(t *testing.T) {
	const size = 10 << 20
	want := sha256.New()
	n, _ := io.Copy(want, newBigMessage(size))
	var out bytes.Buffer
	m, err := Rewrite(&out, newBigMessage(size), func(h *Header) error { return h.SetKeywords([]string{"Big"}) })
	if err != nil {
		t.Fatal(err)
	}
	added := int64(len("X-Keywords: Big\r\n"))
	if m != n+added || int64(out.Len()) != m {
		t.Fatalf("wrote %d bytes, want %d", m, n+added)
	}
	h, body := parseMsg(t, out.Bytes())
	if !reflect.DeepEqual(h.Keywords(), []string{"Big"}) {
		t.Fatalf("keywords %q", h.Keywords())
	}
	h.Remove(KeywordsField)
	got := sha256.New()
	got.Write(h.Bytes())
	got.Write(body)
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatal("big message changed beyond its X-Keywords")
	}
}

func TestRewriteReader(t *testing.T) {
	msg := "From: a@b\r\nSubject: x\r\n\r\nbody\r\n"
	r, err := RewriteReader(iotestHalf(strings.NewReader(msg)), func(h *Header) error { return h.SetKeywords([]string{"L"}) })
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if string(got) != "From: a@b\r\nSubject: x\r\nX-Keywords: L\r\n\r\nbody\r\n" {
		t.Errorf("RewriteReader = %q", got)
	}
	if _, err := RewriteReader(strings.NewReader(msg), func(*Header) error { return errors.New("no") }); err == nil {
		t.Error("edit error lost")
	}
}

func iotestHalf(r io.Reader) io.Reader { return iotest.HalfReader(r) }
