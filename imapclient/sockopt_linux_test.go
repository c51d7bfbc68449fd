//go:build linux

package imapclient

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/imapdir/imapdir/internal/testenv"
)

// TestUserTimeoutSet: the dialed socket carries TCP_USER_TIMEOUT.
func TestUserTimeoutSet(t *testing.T) {
	srv := testenv.Dovecot(t)
	c := dialTLS(t, srv, &Options{UserTimeout: 7 * time.Second})
	tc := c.conn.(*tls.Conn).NetConn().(*net.TCPConn)
	raw, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var gerr error
	raw.Control(func(fd uintptr) {
		got, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
	})
	if gerr != nil || got != 7000 {
		t.Errorf("TCP_USER_TIMEOUT %d ms (%v), want 7000", got, gerr)
	}
}
