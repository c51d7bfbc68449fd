package imapstore

import (
	"bytes"
	"testing"
)

// exactBody puts back the NULs BODY[] sent as 0x80, keeps the 0x80 bytes
// that were 0x80, and refuses what it cannot line up.
func TestExactBody(t *testing.T) {
	for _, tc := range []struct {
		name, body, bin, want string
		ok                    bool
	}{
		{"no difference", "a\x80b", "a\x80b", "a\x80b", true},
		{"one NUL", "a\x80b", "a\x00b", "a\x00b", true},
		{"NUL and 0x80", "\x80a\x80b\x80", "\x80a\x00b\x00", "\x80a\x00b\x00", true},
		{"decoded part after the NUL", "x\x80y CTE: base64\n\nAAEC\n", "x\x00y CTE: binary\n\n\x00\x01\x02\n", "x\x00y CTE: base64\n\nAAEC\n", true},
		{"decoded part between NULs", "x\x80 base64 AAEC end\x80", "x\x00 binary \x00\x01\x02 end\x00", "x\x00 base64 AAEC end\x00", true},
		{"0x80 amid decoded parts", "b64 AAEC \x80 b64 AAEC.", "bin \x00\x01\x02 \x80 bin \x00\x01\x02.", "", false},
		{"NUL amid decoded parts", "b64 AAEC \x80 b64 AAEC.", "bin \x00\x01\x02 \x00 bin \x00\x01\x02.", "", false},
		{"empty", "", "", "", true},
		{"lengths differ, ends line up", "abc\x80", "a\x00", "abc\x00", true},
	} {
		got, ok := exactBody([]byte(tc.body), []byte(tc.bin))
		if ok != tc.ok || ok && !bytes.Equal(got, []byte(tc.want)) {
			t.Errorf("%s: exactBody = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if ok && len(got) != len(tc.body) {
			t.Errorf("%s: length %d, want the BODY[] length %d", tc.name, len(got), len(tc.body))
		}
	}
}
