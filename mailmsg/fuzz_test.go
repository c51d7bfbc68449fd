package mailmsg

import (
	"bufio"
	"bytes"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzReadHeader checks, for any input: parsing keeps every byte (header
// written back + rest read = input); no accessor panics; setting
// X-Keywords reads back the same labels; and setting then removing it
// gives the input back when it had none. Seeds: the small messages of
// the corpus in testdata/corpus, plus testdata/fuzz/FuzzReadHeader.
func FuzzReadHeader(f *testing.F) {
	for _, m := range corpus() {
		if len(m) <= 4096 { // big seeds make the mutator and minimizer crawl
			f.Add([]byte(m), "Ärger")
		}
	}
	f.Add([]byte("A: 1\n\r"), "a,b")
	f.Fuzz(func(t *testing.T, msg []byte, label string) {
		br := bufio.NewReader(bytes.NewReader(msg))
		h, err := ReadHeader(br)
		if err != nil {
			t.Fatalf("ReadHeader: %v", err)
		}
		body, _ := io.ReadAll(br)
		if got := append(h.Bytes(), body...); !bytes.Equal(got, msg) {
			t.Fatalf("bytes lost: %q became %q", msg, got)
		}
		exercise(h)
		hadKeywords := len(h.All(KeywordsField)) > 0
		labels := []string{label, "Work"}
		if err := h.SetKeywords(labels); err != nil {
			if utf8.ValidString(label) {
				t.Fatalf("SetKeywords: %v", err)
			}
			return
		}
		out := append(h.Bytes(), body...)
		h2, err := ReadHeader(bufio.NewReader(bytes.NewReader(out)))
		if err != nil {
			t.Fatal(err)
		}
		want := labels
		if label == "" || label == "Work" {
			want = []string{"Work"}
		}
		if got := h2.Keywords(); !reflect.DeepEqual(got, want) {
			t.Fatalf("keywords %q read back as %q from %q", want, got, out)
		}
		if !hadKeywords && !h.bodyWS {
			h.Remove(KeywordsField)
			if got := append(h.Bytes(), body...); !bytes.Equal(got, msg) {
				t.Fatalf("set+remove changed %q into %q", msg, got)
			}
		}
	})
}

// exercise calls every read accessor (they must not panic).
func exercise(h *Header) {
	for _, f := range h.Fields() {
		_ = f.Text()
		ParseParams(f.Value())
		NormalizeMessageID(f.Value())
	}
	h.MessageID()
	h.ContentType()
	h.Keywords()
	HeaderHash(h)
	h.EOL()
}
