package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// seedFiles are server streams used as fuzz seeds: RFC examples and the
// Dovecot recording. They run as ordinary tests in every go test.
func seedFiles(t testing.TB) [][]byte {
	paths, err := filepath.Glob("testdata/*.server")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed files: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
		// Each response line alone is a seed too.
		for line := range bytes.SplitSeq(data, []byte("\r\n")) {
			if len(line) > 0 && len(line) < 400 {
				out = append(out, append(line, '\r', '\n'))
			}
		}
	}
	return out
}

// TestRFCExamplesDecode: every RFC example line decodes, converts to typed
// data without panicking, and prints back to its input.
func TestRFCExamplesDecode(t *testing.T) {
	data, err := os.ReadFile("testdata/rfc-examples.server")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(bufio.NewReader(bytes.NewReader(data)), DecoderOptions{})
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	for i := 0; ; i++ {
		r, err := d.ReadResponse()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("response %d: %v", i+1, err)
		}
		exerciseTyped(r)
		// The printed form separates adjacent lists with SP, uses
		// upper-case status names and drops the quirks' extra spaces.
		norm := strings.NewReplacer(") (", ")(", " )", ")")
		got := norm.Replace(r.String())
		if want := norm.Replace(strings.TrimRight(lines[i], " ")); !strings.EqualFold(got, want) {
			t.Errorf("line %d printed as %q, want %q", i+1, got, lines[i])
		}
	}
}

// exerciseTyped runs every typed converter on r; errors are expected for
// most pairings, panics never.
func exerciseTyped(r *imap.Response) {
	_ = r.String()
	_ = r.Err()
	_, _ = imap.ParseFetch(r)
	_, _ = imap.ParseList(r, false)
	_, _ = imap.ParseStatus(r, true)
	_, _ = imap.ParseSearch(r, true)
	_, _ = imap.ParseVanished(r)
	_, _ = imap.ParseCapability(r)
	_, _ = imap.ParseEnabled(r)
	_, _ = imap.ParseNamespace(r, false)
	_, _ = imap.ParseID(r)
	_, _ = imap.ParseAppendUID(r.CodeArgs)
	_, _ = imap.ParseCopyUID(r.CodeArgs)
	_, _ = imap.ParseModified(r.CodeArgs)
	var s imap.SelectData
	_, _ = s.Apply(r)
	for _, f := range r.Fields {
		_, _ = imap.ParseEnvelope(f)
		_, _ = imap.ParseBodyStructure(f)
	}
}

// FuzzDecoder feeds arbitrary bytes to the decoder with small limits: it
// must never panic or hang, never hold more than the limits allow, and every
// response must survive the typed converters.
func FuzzDecoder(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := DecoderOptions{MaxLiteral: 4096, MaxBodyBuffer: 8192, MaxLine: 8192, MaxDepth: 16, MaxResponse: 1 << 16}
		if len(data) > 0 && data[0]%2 == 0 {
			opts.Literal = func(info LiteralInfo, r io.Reader) (imap.Value, error) {
				if info.Size > 1<<20 && !info.Body {
					t.Fatalf("non-body literal of %d bytes reached the callback", info.Size)
				}
				_, err := io.CopyN(io.Discard, r, info.Size/2)
				return nil, err
			}
		}
		d := NewDecoder(bufio.NewReaderSize(bytes.NewReader(data), 64), opts)
		for n := 0; n <= len(data); n++ {
			r, err := d.ReadResponse()
			if err != nil {
				var le *LiteralError
				if errors.As(err, &le) {
					continue
				}
				if d.Err() != err {
					t.Fatalf("error %v is not sticky (Err() = %v)", err, d.Err())
				}
				return
			}
			exerciseTyped(r)
		}
		t.Fatalf("more responses than input bytes (%d)", len(data))
	})
}
