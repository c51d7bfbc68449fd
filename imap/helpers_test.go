package imap_test

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// decode decodes server lines (joined with CRLF) into responses, failing
// the test on any error.
func decode(t *testing.T, lines ...string) []*imap.Response {
	t.Helper()
	in := strings.Join(lines, "\r\n") + "\r\n"
	d := imapwire.NewDecoder(bufio.NewReader(strings.NewReader(in)), imapwire.DecoderOptions{})
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

// one decodes exactly one response.
func one(t *testing.T, lines ...string) *imap.Response {
	t.Helper()
	rs := decode(t, lines...)
	if len(rs) != 1 {
		t.Fatalf("%q: got %d responses, want 1", lines, len(rs))
	}
	return rs[0]
}

// must returns v, or panics with err (failing the test) when the typed
// conversion failed.
func must[T any](v T, err error) T {
	if err != nil {
		panic("unexpected error: " + err.Error())
	}
	return v
}

func flagsString(fs []imap.Flag) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, " ")
}
