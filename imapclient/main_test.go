package imapclient

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// testCtx returns a generous context bounded by the test's life.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialTLS connects to srv over implicit TLS with its CA.
func dialTLS(t testing.TB, srv testenv.MailServer, o *Options) *Client {
	t.Helper()
	if o == nil {
		o = &Options{}
	}
	o.TLSConfig = srv.TLSConfig()
	c, err := Dial(testCtx(t), srv.IMAPSAddr(), o)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// login returns a logged-in client for a fresh user.
func login(t testing.TB, srv *testenv.Server, o *Options) (*Client, testenv.User) {
	t.Helper()
	u := srv.NewUser(t)
	c := dialTLS(t, srv, o)
	if err := c.Login(testCtx(t), u.Name, SecretString(u.Password)); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return c, u
}

// testMessage returns a small CRLF message numbered n.
func testMessage(n int) []byte {
	return []byte(fmt.Sprintf("From: a@example.org\r\nTo: b@example.org\r\nSubject: message %d\r\n"+
		"Message-ID: <m%d@example.org>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nBody of message %d.\r\n", n, n, n))
}

// traceBuf is a concurrency-safe trace sink that can wait for a line.
type traceBuf struct {
	mu    sync.Mutex
	b     strings.Builder
	watch []traceWatch
}

type traceWatch struct {
	substr string
	count  int
	ch     chan struct{}
}

func (tb *traceBuf) Write(p []byte) (int, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.b.Write(p)
	s := tb.b.String()
	kept := tb.watch[:0]
	for _, w := range tb.watch {
		if strings.Count(s, w.substr) >= w.count {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	tb.watch = kept
	return len(p), nil
}

func (tb *traceBuf) String() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.b.String()
}

// when returns a channel closed once substr occurs count times.
func (tb *traceBuf) when(substr string, count int) <-chan struct{} {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	ch := make(chan struct{})
	if strings.Count(tb.b.String(), substr) >= count {
		close(ch)
		return ch
	}
	tb.watch = append(tb.watch, traceWatch{substr, count, ch})
	return ch
}

// waitFor fails the test unless ch closes within a generous time.
func waitFor(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
