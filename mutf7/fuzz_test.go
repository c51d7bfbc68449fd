package mutf7

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecode: Decode never panics; what it accepts re-encodes to a string
// that decodes to the same text, and it only returns valid UTF-8.
func FuzzDecode(f *testing.F) {
	f.Add("&Jjo-!")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Decode(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(out) {
			t.Fatalf("Decode(%q) = %q: invalid UTF-8", s, out)
		}
		again, err := Decode(Encode(out))
		if err != nil || again != out {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", out, again, err)
		}
	})
}

// FuzzEncode: Encode output is printable ASCII that Decode accepts and that
// decodes back to the input (with U+FFFD for invalid UTF-8).
func FuzzEncode(f *testing.F) {
	f.Add("Entwürfe")
	f.Fuzz(func(t *testing.T, s string) {
		enc := Encode(s)
		for i := 0; i < len(enc); i++ {
			if enc[i] < 0x20 || enc[i] > 0x7e {
				t.Fatalf("Encode(%q) = %q: byte %d not printable", s, enc, i)
			}
		}
		dec, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%q)=%q): %v", s, enc, err)
		}
		if want := []rune(s); utf8.ValidString(s) && dec != s {
			t.Fatalf("round trip of %q (%d runes) gave %q", s, len(want), dec)
		}
	})
}
