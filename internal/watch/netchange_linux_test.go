package watch

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRemovedAddress: of rtnetlink messages, only an address removal
// counts; malformed lengths end the scan.
func TestRemovedAddress(t *testing.T) {
	msg := func(typ uint16, payload int) []byte {
		b := make([]byte, unix.SizeofNlMsghdr+payload)
		binary.NativeEndian.PutUint32(b[0:4], uint32(len(b)))
		binary.NativeEndian.PutUint16(b[4:6], typ)
		return b
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"new address", msg(unix.RTM_NEWADDR, 24), false},
		{"removed address", msg(unix.RTM_DELADDR, 24), true},
		{"removal after a new one", cat(msg(unix.RTM_NEWADDR, 24), msg(unix.RTM_DELADDR, 24)), true},
		{"zero length", make([]byte, 40), false},
		{"truncated", msg(unix.RTM_NEWADDR, 24)[:10], false},
	} {
		if got := removedAddress(c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
