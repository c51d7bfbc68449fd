package imapclient

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// TestCancelWhileLiteralWaits: a ctx that ends while a synchronizing
// literal waits for "+" breaks the half-sent command's connection with a
// retryable error instead of hanging.
func TestCancelWhileLiteralWaits(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		for l := f.read(); l != ""; l = f.read() {
			// never answers the literal's header
		}
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	msg := "Subject: x\r\n\r\nbody"
	_, err = c.Append(ctx, "INBOX", AppendMessage{Size: int64(len(msg)), Body: strings.NewReader(msg)})
	if !IsRetryable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("APPEND canceled mid-command: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed after a half-sent command")
	}
	if err := c.Noop(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("NOOP on the broken connection: %v", err)
	}
}

// TestGarbageFromServer: a response that breaks the grammar closes the
// connection with a *ConnError; waiting commands fail, nothing hangs.
func TestGarbageFromServer(t *testing.T) {
	for _, garbage := range []string{
		"* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {99999999999999999999}",
		"* 1 FETCH (UID",
		"\x00\x01\x02 nonsense",
		"* 2 FETCH (BODY[] {10}\r\nshort",
	} {
		fs := newFakeServer(t, func(f *fakeConn) {
			f.send("* OK [CAPABILITY IMAP4rev1] fake")
			l := f.read()
			f.c.Write([]byte(garbage + "\r\n" + strings.Fields(l)[0] + " OK done\r\n"))
			f.read()
		})
		c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Command(testCtx(t), imap.Atom("FETCH"), imap.SeqSetOf(1), imap.List{imap.Atom("FLAGS")})
		var ce *ConnError
		if !errors.As(err, &ce) || ce.Op != "read" {
			t.Errorf("garbage %q: want a read *ConnError, got %v", garbage, err)
		}
		c.Close()
	}
}

// stallingBody yields bytes without end; after limit bytes it calls
// atLimit once and waits for ctx to end, then goes on yielding.
type stallingBody struct {
	ctx     context.Context
	n       int64
	limit   int64
	atLimit func()
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.n >= b.limit && b.atLimit != nil {
		b.atLimit()
		b.atLimit = nil
		<-b.ctx.Done()
	}
	for i := range p {
		p[i] = 'x'
	}
	b.n += int64(len(p))
	return len(p), nil
}

// TestContextEndsMidAppend: a ctx that ends while an APPEND's body is
// being written breaks the connection, and the error says why: it wraps
// the context's error (deadline or cancel) besides being a *ConnError.
func TestContextEndsMidAppend(t *testing.T) {
	srv := testenv.Dovecot(t)
	for _, want := range []error{context.DeadlineExceeded, context.Canceled} {
		t.Run(want.Error(), func(t *testing.T) {
			c, _ := login(t, srv, nil)
			var ctx context.Context
			var cancel context.CancelFunc
			body := &stallingBody{limit: 1 << 20}
			if want == context.Canceled {
				ctx, cancel = context.WithCancel(testCtx(t))
				body.atLimit = cancel
			} else {
				d := &expiringCtx{Context: testCtx(t), done: make(chan struct{})}
				ctx, cancel = d, func() {}
				body.atLimit = d.expire
			}
			defer cancel()
			body.ctx = ctx
			_, err := c.Append(ctx, "INBOX", AppendMessage{Size: 64 << 20, Body: body})
			var ce *ConnError
			if !errors.Is(err, want) || !errors.As(err, &ce) {
				t.Fatalf("APPEND whose ctx ended mid-body: %v; want it to wrap %v and be a *ConnError", err, want)
			}
		})
	}
}

// TestDecoderOptions: a limit set through Options.Decoder holds: a
// response line longer than MaxLine breaks the connection.
func TestDecoderOptions(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		tag := strings.Fields(f.read())[0]
		f.send("* OK "+strings.Repeat("x", 300), tag+" OK done")
		f.read()
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, Decoder: DecoderOptions{MaxLine: 200}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ce *ConnError
	if err := c.Noop(testCtx(t)); !errors.As(err, &ce) {
		t.Fatalf("a 300-byte line with MaxLine 200: %v", err)
	}
}

// expiringCtx is a context whose deadline passes when expire is called,
// so that a test needs no clock.
type expiringCtx struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func (c *expiringCtx) Done() <-chan struct{} { return c.done }

func (c *expiringCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *expiringCtx) expire() { c.once.Do(func() { close(c.done) }) }
