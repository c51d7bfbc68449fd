package maildir

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

var lineEndCases = []struct{ in, lf, crlf string }{
	{"", "", ""},
	{"a\r\nb\r\n", "a\nb\n", "a\r\nb\r\n"},
	{"a\nb\n", "a\nb\n", "a\r\nb\r\n"},
	{"a\r\nb\nc", "a\nb\nc", "a\r\nb\r\nc"},
	{"lone\rcr\r", "lone\rcr\r", "lone\rcr\r"},
	{"\r\r\n\n", "\r\n\n", "\r\r\n\r\n"},
	{"\r", "\r", "\r"},
	{"\n", "\n", "\r\n"},
	{"x\r\n\r\n\r\ny", "x\n\n\ny", "x\r\n\r\n\r\ny"},
	{"\x00\r\n\xff", "\x00\n\xff", "\x00\r\n\xff"},
}

// readAll reads through r with the given wrapper to vary read sizes.
func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLineEndReaders(t *testing.T) {
	wraps := map[string]func(io.Reader) io.Reader{
		"plain": func(r io.Reader) io.Reader { return r },
		"one":   iotest.OneByteReader,
		"half":  iotest.HalfReader,
		"eof":   iotest.DataErrReader,
	}
	for _, tc := range lineEndCases {
		for wn, w := range wraps {
			if got := readAll(t, NewToLFReader(w(strings.NewReader(tc.in)))); got != tc.lf {
				t.Errorf("ToLF(%q) via %s = %q, want %q", tc.in, wn, got, tc.lf)
			}
			if got := readAll(t, NewToCRLFReader(w(strings.NewReader(tc.in)))); got != tc.crlf {
				t.Errorf("ToCRLF(%q) via %s = %q, want %q", tc.in, wn, got, tc.crlf)
			}
		}
	}
}

func TestToLFWriterSplits(t *testing.T) {
	for _, tc := range lineEndCases {
		// every way of cutting the input in two writes
		for cut := 0; cut <= len(tc.in); cut++ {
			var out bytes.Buffer
			w := NewToLFWriter(&out)
			if _, err := w.Write([]byte(tc.in[:cut])); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte(tc.in[cut:])); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.lf {
				t.Errorf("ToLFWriter(%q cut %d) = %q, want %q", tc.in, cut, out.String(), tc.lf)
			}
		}
	}
}

// TestLineEndBig: a CRLF on every buffer boundary, across a large input.
func TestLineEndBig(t *testing.T) {
	line := strings.Repeat("x", convBufSize-1) + "\r\n"
	in := strings.Repeat(line, 5) + "tail"
	want := strings.ReplaceAll(in, "\r\n", "\n")
	if got := readAll(t, NewToLFReader(strings.NewReader(in))); got != want {
		t.Fatal("ToLF wrong across buffer boundaries")
	}
	if got := readAll(t, NewToCRLFReader(strings.NewReader(want))); got != in {
		t.Fatal("ToCRLF wrong across buffer boundaries")
	}
}

// FuzzLineEnd: the readers agree with a simple reference and with the
// writer, and CRLF->LF->CRLF is the identity for CR-free-of-lone-CR text.
func FuzzLineEnd(f *testing.F) {
	for _, tc := range lineEndCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lf := readAll(t, NewToLFReader(iotest.HalfReader(bytes.NewReader(in))))
		if want := string(bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n"))); lf != want {
			t.Fatalf("ToLF(%q) = %q, want %q", in, lf, want)
		}
		var out bytes.Buffer
		w := NewToLFWriter(&out)
		for _, c := range in {
			w.Write([]byte{c})
		}
		w.Close()
		if out.String() != lf {
			t.Fatalf("writer %q != reader %q", out.String(), lf)
		}
		crlf := readAll(t, NewToCRLFReader(iotest.OneByteReader(bytes.NewReader(in))))
		if got := readAll(t, NewToLFReader(strings.NewReader(crlf))); got != lf {
			t.Fatalf("ToLF(ToCRLF(%q)) = %q, want %q", in, got, lf)
		}
	})
}
