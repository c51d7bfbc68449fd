package imapclient

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// wireConn records every byte the client writes.
type wireConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (w *wireConn) Write(p []byte) (int, error) {
	n, err := w.Conn.Write(p)
	w.mu.Lock()
	w.out.Write(p[:n])
	w.mu.Unlock()
	return n, err
}

func (w *wireConn) sent() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// tracedPlain dials Dovecot's plaintext port (so that the wire is the
// protocol), recording the bytes written and the trace.
func tracedPlain(t *testing.T, srv *testenv.Server) (*Client, *wireConn, *traceBuf) {
	t.Helper()
	var wc *wireConn
	tr := &traceBuf{}
	c, err := Dial(testCtx(t), srv.IMAPAddr(), &Options{InsecurePlaintext: true, TraceWriter: tr,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			wc = &wireConn{Conn: conn}
			return wc, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, wc, tr
}

// clientTrace returns the "C: " lines of the trace joined with CRLF, as
// the wire would be.
func clientTrace(tr *traceBuf) string {
	var b strings.Builder
	for _, l := range strings.Split(tr.String(), "\n") {
		if s, ok := strings.CutPrefix(l, "C: "); ok {
			b.WriteString(s + "\r\n")
		}
	}
	return b.String()
}

// TestTraceIsTheWire: the client side of the trace is the bytes written,
// mailbox names in modified UTF-7, literals with their headers and
// content, except the redactions: the LOGIN password, SASL responses and
// message bodies.
func TestTraceIsTheWire(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Entwürfe")
	c, wc, tr := tracedPlain(t, srv)
	ctx := testCtx(t)
	if err := c.Login(ctx, u.Name, SecretString(u.Password)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status(ctx, "Entwürfe", "MESSAGES"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx, imap.Atom("SUBJECT"), imap.Str("a\r\nb")); err != nil {
		t.Fatal(err)
	}
	msg := testMessage(1)
	if _, err := c.Append(ctx, "Entwürfe", AppendMessage{Size: int64(len(msg)), Body: bytes.NewReader(msg)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Command(ctx, imap.Atom("NOOP")); err != nil {
		t.Fatal(err)
	}
	wire := wc.sent()
	for _, want := range []string{"Entw&APw-rfe", "{4+}\r\na\r\nb", "{" + strconv.Itoa(len(msg)) + "+}\r\n"} {
		if !strings.Contains(wire, want) {
			t.Fatalf("the wire lacks %q; test premise wrong:\n%s", want, wire)
		}
	}
	// The redactions, applied to the wire.
	want := strings.Replace(wire, string(msg), "<"+strconv.Itoa(len(msg))+" bytes>", 1)
	login := strings.Index(want, " LOGIN ")
	end := login + strings.Index(want[login:], "\r\n")
	userEnd := login + len(" LOGIN ") + len(u.Name)
	want = want[:userEnd] + " <password redacted>" + want[end:]
	if got := clientTrace(tr); got != want {
		t.Errorf("trace is not the wire\ntrace:\n%s\nwire with redactions:\n%s", got, want)
	}
	if strings.Contains(tr.String(), u.Password) {
		t.Error("the password is in the trace")
	}
}

// TestTraceRedactsSASL: AUTHENTICATE PLAIN's initial response never
// reaches the trace; the rest is the wire.
func TestTraceRedactsSASL(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	c, wc, tr := tracedPlain(t, srv)
	if err := c.Authenticate(testCtx(t), &PlainAuth{Username: u.Name, Password: SecretString(u.Password)}); err != nil {
		t.Fatal(err)
	}
	wire := wc.sent()
	i := strings.Index(wire, "AUTHENTICATE PLAIN ")
	if i < 0 {
		t.Fatalf("no SASL-IR on the wire: %q", wire)
	}
	i += len("AUTHENTICATE PLAIN ")
	end := i + strings.Index(wire[i:], "\r\n")
	want := wire[:i] + "<initial response redacted>" + wire[end:]
	if got := clientTrace(tr); got != want {
		t.Errorf("trace:\n%s\nwant:\n%s", got, want)
	}
}

// TestTraceTap: the tap on its own, fed in odd pieces: literals shown,
// long ones and bodies summarized.
func TestTraceTap(t *testing.T) {
	var b strings.Builder
	tr := &tracer{w: &b, cs: clientStream{redactAt: -1}}
	wire := "A1 X {4}\r\na\r\nb Y\r\nA2 APPEND INBOX {5000+}\r\n" + strings.Repeat("z", 5000) + "\r\nDONE\r\n"
	for i := 0; i < len(wire); i += 7 {
		tr.sent([]byte(wire[i:min(i+7, len(wire))]))
	}
	want := "C: A1 X {4}\nC: a\nC: b Y\nC: A2 APPEND INBOX {5000+}\nC: <5000 bytes>\nC: DONE\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	var r strings.Builder
	tr = &tracer{w: &r}
	tr.response(&imap.Response{Tag: "*", Fields: []imap.Value{imap.Number(1), imap.Atom("FETCH"),
		imap.List{imap.Atom("BODY[]"), imap.Streamed{Size: 20480}}}})
	if got := r.String(); got != "S: * 1 FETCH (BODY[] {20480 bytes})\n" {
		t.Errorf("response trace %q", got)
	}
}
