package mutf7

import (
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	rows := []struct{ utf8, mutf7 string }{
		{"", ""},
		{"INBOX", "INBOX"},
		{"&", "&-"},
		{"a&b", "a&-b"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501 §5.1.3
		{"Entwürfe", "Entw&APw-rfe"},
		{"Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
		{"😀", "&2D3eAA-"},
		{"a\tb", "a&AAk-b"},
		{"ä&ö", "&AOQ-&-&APY-"},
	}
	for _, r := range rows {
		if got := Encode(r.utf8); got != r.mutf7 {
			t.Errorf("Encode(%q) = %q, want %q", r.utf8, got, r.mutf7)
		}
		got, err := Decode(r.mutf7)
		if err != nil || got != r.utf8 {
			t.Errorf("Decode(%q) = %q, %v; want %q", r.mutf7, got, err, r.utf8)
		}
	}
}

func TestEncodeInvalidUTF8(t *testing.T) {
	if got := Encode("a\xffb"); got != "a&//0-b" && got != "a&,,0-b" {
		t.Errorf("Encode(invalid) = %q, want U+FFFD encoded", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	rows := []struct{ in, why string }{
		{"&U,BTFw", "unterminated shift"},
		{"&", "lone ampersand at end"},
		{"&U/BTFw-", "'/' is not modified base64"},
		{"&U=BTFw-", "padding"},
		{"&AGE-", "encoded printable ASCII 'a'"},
		{"&ACY-", "encoded '&'"},
		{"&A-", "too few bits for a UTF-16 unit"},
		{"&AOQ", "unterminated"},
		{"&AOR-", "non-zero padding bits"},
		{"&2D0-", "truncated unit"},
		{"&AOQ-&AOQ", "second shift unterminated"},
		{"&3gA-", "lone low surrogate"},
		{"&2D0AWA-", "high surrogate then BMP char"},
		{"Entwürfe", "raw 8-bit"},
		{"a\nb", "control character"},
	}
	for _, r := range rows {
		got, err := Decode(r.in)
		if err == nil {
			t.Errorf("Decode(%q) = %q, nil; want error (%s)", r.in, got, r.why)
			continue
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) error %v does not wrap ErrMalformed", r.in, err)
		}
	}
}
