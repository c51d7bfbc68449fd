package demoserver

import (
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// rawClient is a minimal line-based IMAP client for tests: it sends one
// tagged command and collects the untagged lines up to the tagged status.
// It does not handle literals in responses (LIST, STATUS, FLAGS have none).
type rawClient struct {
	t    *testing.T
	conn net.Conn
	tp   *textproto.Conn
	n    int
}

func dial(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hung server fails the test
	c := &rawClient{t: t, conn: conn, tp: textproto.NewConn(conn)}
	t.Cleanup(func() { _ = c.tp.Close() })
	greeting, err := c.tp.ReadLine()
	if err != nil || !strings.HasPrefix(greeting, "* OK") {
		t.Fatalf("greeting %q, %v", greeting, err)
	}
	return c
}

// cmd sends "tagN line" and returns the untagged lines and the tagged status line.
func (c *rawClient) cmd(line string) (untagged []string, status string) {
	c.t.Helper()
	c.n++
	tag := fmt.Sprintf("t%d", c.n)
	if err := c.tp.PrintfLine("%s %s", tag, line); err != nil {
		c.t.Fatal(err)
	}
	for {
		l, err := c.tp.ReadLine()
		if err != nil {
			c.t.Fatalf("%s: %v", line, err)
		}
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			return untagged, rest
		}
		untagged = append(untagged, l)
	}
}

// ok is cmd that requires an OK status.
func (c *rawClient) ok(line string) []string {
	c.t.Helper()
	u, st := c.cmd(line)
	if !strings.HasPrefix(st, "OK") {
		c.t.Fatalf("%s: %s", line, st)
	}
	return u
}
