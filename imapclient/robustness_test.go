package imapclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
	"github.com/imapdir/imapdir/internal/testenv"
)

// patternReader yields left bytes of CRLF text lines without holding
// them; the bytes do not depend on how they are read.
type patternReader struct {
	left int64
	pos  int
}

const patternLine = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd\r\n"

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := 0
	for n < len(b) {
		k := copy(b[n:], patternLine[p.pos:])
		n += k
		p.pos = (p.pos + k) % len(patternLine)
	}
	p.left -= int64(n)
	return n, nil
}

// TestLargeBodyStreamsInConstantMemory appends a 20 MB message from a
// generator and fetches it to a file: neither direction holds the body.
func TestLargeBodyStreamsInConstantMemory(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, _ := login(t, srv, nil)
	ctx := testCtx(t)
	const size = 20 << 20
	head := "From: a@example.org\r\nSubject: big\r\n\r\n"
	body := io.MultiReader(strings.NewReader(head), &patternReader{left: size - int64(len(head))})
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	if _, err := c.Append(ctx, "INBOX", AppendMessage{Size: size, Body: body}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "msg")
	h := sha256.New()
	res, err := c.Fetch(ctx, imap.SeqSetOf(1), Items("BODY.PEEK[]"), &FetchOptions{
		Body: func(info BodyInfo, r io.Reader) (any, error) {
			f, err := os.Create(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			_, err = io.Copy(io.MultiWriter(f, h), r)
			return path, err
		},
	})
	runtime.ReadMemStats(&ms1)
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("FETCH: %v", err)
	}
	if got := res.Messages[0].Section("BODY[]").Value.(imap.Streamed); got.Size != size || got.Ref != path {
		t.Errorf("section value %+v", got)
	}
	want := sha256.New()
	io.Copy(want, io.MultiReader(strings.NewReader(head), &patternReader{left: size - int64(len(head))}))
	if !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Error("fetched body differs from the appended one")
	}
	if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > size/4 {
		t.Errorf("append+fetch of %d bytes allocated %d bytes: not streamed", size, alloc)
	}
}

// TestMoveFallback: without MOVE, UID MOVE is COPY + STORE + UID EXPUNGE.
func TestMoveFallback(t *testing.T) {
	srv := testenv.Dovecot(t)
	var tr traceBuf
	c, u := login(t, srv, &Options{TraceWriter: &tr})
	ctx := testCtx(t)
	uids := srv.SaveMessages(t, u.Name, "INBOX", testMessage(1), testMessage(2), testMessage(3))
	srv.CreateMailbox(t, u.Name, "Dest")
	var caps []imap.Cap
	for _, cp := range c.Caps().All() {
		if cp != imap.CapMove {
			caps = append(caps, cp)
		}
	}
	c.mu.Lock()
	c.caps = imap.NewCapSet(caps...) // pretend the server lacks MOVE
	c.mu.Unlock()
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	cu, err := c.UIDMove(ctx, imap.UIDSetOf(imap.UID(uids[0]), imap.UID(uids[2])), "Dest")
	if err != nil || cu == nil || cu.Dest.Len() != 2 {
		t.Fatalf("fallback move: %+v %v", cu, err)
	}
	if strings.Contains(tr.String(), "UID MOVE") || !strings.Contains(tr.String(), "UID EXPUNGE") {
		t.Errorf("fallback commands:\n%s", tr.String())
	}
	st := srv.MailboxStatus(t, u.Name, "INBOX")
	if st["messages"] != "1" || srv.MailboxStatus(t, u.Name, "Dest")["messages"] != "2" {
		t.Errorf("INBOX %v", st)
	}
}

// TestIdleRestarts: IDLE is ended and sent again after IdleRestart.
func TestIdleRestarts(t *testing.T) {
	srv := testenv.Dovecot(t)
	var tr traceBuf
	c, _ := login(t, srv, &Options{TraceWriter: &tr, IdleRestart: 20 * time.Millisecond})
	if _, err := c.Select(testCtx(t), "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- c.Idle(ctx) }()
	waitFor(t, tr.when("C: DONE", 3), "three IDLE restarts")
	if err := c.Idle(ctx); !errors.Is(err, ErrIdleRunning) {
		t.Errorf("second Idle: %v", err)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Idle: %v", err)
	}
}

// TestServerBye: an unsolicited BYE ends the connection with a *ConnError
// naming it, reported as EventBye then EventDisconnected.
func TestServerBye(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		f.read()
		f.send("* BYE [UNAVAILABLE] shutting down")
	})
	sink := make(eventSink, 10)
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, Handler: sink.handle})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Noop(testCtx(t))
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Op != "bye" || !imap.HasCode(err, imap.CodeUnavailable) || !IsRetryable(err) {
		t.Fatalf("NOOP cut by BYE: %v", err)
	}
	sink.next(t, EventBye)
	sink.next(t, EventDisconnected)
}

// TestGenericTyped: the generic command's untagged data, typed.
func TestGenericTyped(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, u := login(t, srv, nil)
	srv.SaveMessages(t, u.Name, "INBOX", testMessage(1), testMessage(2))
	ctx := testCtx(t)
	res, err := c.Command(ctx, imap.Atom("STATUS"), imap.Mailbox("INBOX"), imap.List{imap.Atom("MESSAGES")})
	if err != nil {
		t.Fatal(err)
	}
	typed := res.Typed(false)
	if st, ok := typed[0].(*imap.StatusData); len(typed) != 1 || !ok || st.Messages != 2 {
		t.Errorf("typed STATUS %#v", typed)
	}
	res, err = c.Command(ctx, imap.Atom("EXAMINE"), imap.Mailbox("INBOX"))
	if err != nil || res.Tagged.Code != imap.CodeReadOnly {
		t.Fatalf("EXAMINE: %v %v", res, err)
	}
	if name, ro := c.Mailbox(); name != "INBOX" || !ro || c.State() != StateSelected || c.Exists() != 2 {
		t.Errorf("after generic EXAMINE: %q read-only %v, state %v, %d messages", name, ro, c.State(), c.Exists())
	}
	var sawExists bool
	for _, v := range res.Typed(false) {
		if ev, ok := v.(Event); ok && ev.Kind == EventExists && ev.Num == 2 {
			sawExists = true
		}
	}
	if !sawExists {
		t.Errorf("no EXISTS among %v", res.Untagged)
	}
	if _, err := c.Command(ctx, imap.Atom("FROBNICATE")); !errors.As(err, new(*imap.Error)) {
		t.Errorf("unknown command: %v", err)
	}
}

// TestUnsafeCommandKeepsConnection: a command the encoder refuses is not
// sent, fails alone, and the connection stays usable.
func TestUnsafeCommandKeepsConnection(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, _ := login(t, srv, nil)
	ctx := testCtx(t)
	_, err := c.Command(ctx, imap.Atom("NOOP"), imap.Atom("bad atom\r\nA99 LOGOUT"))
	if !errors.Is(err, imapwire.ErrUnsafe) {
		t.Fatalf("want ErrUnsafe, got %v", err)
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatalf("NOOP after a refused command: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Noop(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("NOOP with a canceled ctx: %v", err)
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatalf("NOOP after a canceled one: %v", err)
	}
}
