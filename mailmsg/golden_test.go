package mailmsg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const goldenDir = "testdata/golden"

// parseMsg parses a whole message: header and the rest (the body).
func parseMsg(t testing.TB, msg []byte) (*Header, []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := ReadHeader(br)
	if err != nil {
		t.Fatalf("ReadHeader: %v", err)
	}
	body, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

// summary is the golden description of a parsed message.
func summary(h *Header, body []byte) string {
	var b strings.Builder
	sep := "none"
	if h.HasSeparator() {
		sep = fmt.Sprintf("%q", h.sep)
	}
	fmt.Fprintf(&b, "fields: %d\nseparator: %s\neol: %q\nheader-bytes: %d\nbody-bytes: %d\n",
		len(h.Fields()), sep, h.EOL(), h.Len(), len(body))
	var names []string
	for _, f := range h.Fields() {
		names = append(names, f.Name())
	}
	fmt.Fprintf(&b, "names: %q\n", names)
	fmt.Fprintf(&b, "message-id: %q\n", h.MessageID())
	fmt.Fprintf(&b, "subject: %q\n", h.Text("Subject"))
	fmt.Fprintf(&b, "from: %q\n", h.Text("From"))
	mt, params := h.ContentType()
	var keys []string
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(&b, "content-type: %q", mt)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, params[k])
	}
	_, disp := ParseParams(h.Value("Content-Disposition"))
	fmt.Fprintf(&b, "\ndisposition-filename: %q\n", disp["filename"])
	fmt.Fprintf(&b, "keywords: %q\n", h.Keywords())
	fmt.Fprintf(&b, "hash: %s\n", HeaderHash(h))
	return b.String()
}

// TestCorpusGolden: every corpus message parses to its golden summary,
// and writing the header back gives the exact original bytes.
func TestCorpusGolden(t *testing.T) {
	for name, m := range corpus() {
		h, body := parseMsg(t, []byte(m))
		if got := string(h.Bytes()) + string(body); got != m {
			t.Errorf("%s: header+body is not the original", name)
		}
		var out bytes.Buffer
		if _, err := Rewrite(&out, strings.NewReader(m), func(*Header) error { return nil }); err != nil || out.String() != m {
			t.Errorf("%s: no-op Rewrite changed the message (%v)", name, err)
		}
		got := summary(h, body)
		gpath := filepath.Join(goldenDir, strings.TrimSuffix(name, ".eml")+".golden")
		if *update {
			os.MkdirAll(goldenDir, 0o755)
			os.WriteFile(gpath, []byte(got), 0o644)
		}
		want, err := os.ReadFile(gpath)
		if err != nil || string(want) != got {
			t.Errorf("%s: summary differs from %s (%v):\n%s", name, gpath, err, got)
		}
	}
}

// withoutFields returns the message bytes with the given fields' bytes
// cut out, and the offset where the first cut field began (-1 if none).
func withoutFields(h *Header, body []byte, name string) ([]byte, int) {
	var b bytes.Buffer
	first := -1
	for _, f := range h.Fields() {
		if strings.EqualFold(f.Name(), name) {
			if first < 0 {
				first = b.Len()
			}
			continue
		}
		b.Write(f.Raw())
	}
	b.Write(h.sep)
	b.Write(body)
	return b.Bytes(), first
}

var testLabels = []string{"Work", "Ärger", "a,b", " spaced ", "$Label1", "=?not?encoded?=", "日本語のとても長いラベルで、一つのエンコードされた単語には収まらないもの"}

// TestCorpusSetKeywords: setting X-Keywords changes that field only; the
// rest of every message is byte-identical, the new field uses the
// message's line ending, and the labels read back the same.
func TestCorpusSetKeywords(t *testing.T) {
	for name, m := range corpus() {
		orig, origBody := parseMsg(t, []byte(m))
		var out bytes.Buffer
		if _, err := Rewrite(&out, strings.NewReader(m), func(h *Header) error { return h.SetKeywords(testLabels) }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		nh, nbody := parseMsg(t, out.Bytes())
		if !reflect.DeepEqual(nh.Keywords(), testLabels) {
			t.Errorf("%s: keywords read back %q", name, nh.Keywords())
		}
		if len(nh.All(KeywordsField)) != 1 {
			t.Errorf("%s: %d X-Keywords fields after Set", name, len(nh.All(KeywordsField)))
		}
		rest, at := withoutFields(nh, nbody, KeywordsField)
		if orig.bodyWS {
			orig.sep = []byte(orig.EOL()) // documented: a separator is added
		}
		want, oldAt := withoutFields(orig, origBody, KeywordsField)
		if !bytes.Equal(rest, want) {
			t.Errorf("%s: bytes other than X-Keywords changed:\n%q\n%q", name, rest, want)
		}
		if oldAt >= 0 && at != oldAt {
			t.Errorf("%s: X-Keywords moved from %d to %d", name, oldAt, at)
		}
		f, _ := nh.Get(KeywordsField)
		eol := nh.EOL()
		if !bytes.HasSuffix(f.Raw(), []byte(eol)) || bytes.Count(f.Raw(), []byte("\n")) != bytes.Count(f.Raw(), []byte(eol)) {
			t.Errorf("%s: new field does not use the message's line ending %q: %q", name, eol, f.Raw())
		}
		for _, line := range strings.SplitAfter(string(f.Raw()), "\n") {
			if len(line) > foldWidth+2 {
				t.Errorf("%s: X-Keywords line of %d bytes", name, len(line))
			}
		}
		// Removing the field again restores messages that had none.
		if oldAt < 0 && !orig.bodyWS {
			nh.SetKeywords(nil)
			if got := string(nh.Bytes()) + string(nbody); got != m {
				t.Errorf("%s: set then remove is not the original:\n%q", name, got)
			}
		}
	}
}

func TestGoldenFilesHaveMessages(t *testing.T) {
	ents, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(corpus()) {
		t.Errorf("%d golden files for %d messages: remove stale ones", len(ents), len(corpus()))
	}
}
