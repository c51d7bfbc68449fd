package testenv

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// tconn is a minimal line-based IMAP conversation for harness tests; it
// is not the project's client (that one is tested against this harness).
type tconn struct {
	tb  testing.TB
	c   net.Conn
	r   *bufio.Reader
	seq int
}

// newTconn wraps c with a 30 s deadline against hangs.
func newTconn(tb testing.TB, c net.Conn) *tconn {
	tb.Helper()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	tb.Cleanup(func() { c.Close() })
	return &tconn{tb: tb, c: c, r: bufio.NewReader(c)}
}

// dialTLS connects to the IMAPS port with plain crypto/tls, trusting only
// the CA from CAPEM, and verifying serverName.
func dialTLS(tb testing.TB, s *Server, serverName string) *tconn {
	tb.Helper()
	conf := &tls.Config{RootCAs: poolFromPEM(tb, s.CAPEM()), ServerName: serverName}
	c, err := tls.Dial("tcp", s.IMAPSAddr(), conf)
	if err != nil {
		tb.Fatalf("tls.Dial %s: %v", s.IMAPSAddr(), err)
	}
	return newTconn(tb, c)
}

// line reads one response line without its CRLF.
func (c *tconn) line() string {
	c.tb.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.tb.Fatalf("read: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// greeting reads the greeting, skipping Dovecot's "Waiting for
// authentication process" notices.
func (c *tconn) greeting() string {
	c.tb.Helper()
	for {
		l := c.line()
		if !strings.Contains(l, "Waiting for authentication") {
			return l
		}
	}
}

// cmd sends one command and returns the untagged lines and the tagged
// status line (without the tag).
func (c *tconn) cmd(format string, args ...any) (untagged []string, status string) {
	c.tb.Helper()
	c.seq++
	tag := fmt.Sprintf("t%d", c.seq)
	if _, err := fmt.Fprintf(c.c, tag+" "+format+"\r\n", args...); err != nil {
		c.tb.Fatalf("write: %v", err)
	}
	for {
		l := c.line()
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			return untagged, rest
		}
		untagged = append(untagged, l)
	}
}

// ok is cmd that fails the test unless the status is OK.
func (c *tconn) ok(format string, args ...any) []string {
	c.tb.Helper()
	u, st := c.cmd(format, args...)
	if !strings.HasPrefix(st, "OK") {
		c.tb.Fatalf("%s: %s (untagged %q)", fmt.Sprintf(format, args...), st, u)
	}
	return u
}

// login logs in as u.
func (c *tconn) login(u User) {
	c.tb.Helper()
	c.ok(`LOGIN %q %q`, u.Name, u.Password)
}

// capsOf returns the capability atoms of a "* CAPABILITY ..." line or an
// "[CAPABILITY ...]" response code within line.
func capsOf(line string) map[string]bool {
	if i := strings.Index(line, "[CAPABILITY "); i >= 0 {
		line = line[i+len("[CAPABILITY "):]
		line, _, _ = strings.Cut(line, "]")
	} else {
		line = strings.TrimPrefix(line, "* CAPABILITY ")
	}
	caps := map[string]bool{}
	for _, c := range strings.Fields(line) {
		caps[strings.ToUpper(c)] = true
	}
	return caps
}
