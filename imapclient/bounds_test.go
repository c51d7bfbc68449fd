package imapclient

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// TestAnnouncedLiteralSizeNotAllocated: a metadata FETCH (no body
// callback) whose literal is announced far beyond any limit fails the
// command with an error wrapping imapwire.ErrLimit, before anything of
// that size is allocated, whatever the server then streams.
func TestAnnouncedLiteralSizeNotAllocated(t *testing.T) {
	for _, item := range []string{"BODY[HEADER.FIELDS (MESSAGE-ID)]", "BODY[]", "X-UNKNOWN"} {
		t.Run(item, func(t *testing.T) {
			fs := newFakeServer(t, func(f *fakeConn) {
				f.send("* OK [CAPABILITY IMAP4rev1] fake")
				l := f.read()
				f.c.Write([]byte("* 1 FETCH (UID 7 " + item + " {99999999999}\r\n"))
				// Stream a little of it (far less than announced), then
				// wait for the client to hang up.
				chunk := strings.Repeat("x", 64<<10)
				for range 64 {
					if _, err := io.WriteString(f.c, chunk); err != nil {
						return
					}
				}
				_ = l
				f.read()
			})
			c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			_, err = c.Command(testCtx(t), imap.Atom("UID"), imap.Atom("FETCH"), imap.Atom("7"),
				imap.List{imap.Atom("UID"), imap.Raw("BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]")})
			runtime.ReadMemStats(&ms1)
			if !errors.Is(err, imapwire.ErrLimit) || !strings.Contains(err.Error(), "99999999999") {
				t.Fatalf("FETCH with a literal of 99999999999 bytes: %v, want an ErrLimit naming the size", err)
			}
			if grew := int64(ms1.TotalAlloc - ms0.TotalAlloc); grew > 32<<20 {
				t.Errorf("refusing the literal allocated %d bytes", grew)
			}
		})
	}
}

// TestPanicInCallbackFailsTheConnection: a panic on the reader goroutine
// (here in an OnMessage callback) fails the connection with a *ConnError
// naming the panic instead of crashing the process.
func TestPanicInCallbackFailsTheConnection(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		l := f.read()
		f.send("* 1 FETCH (UID 7 FLAGS ())", strings.Fields(l)[0]+" OK done")
		f.read()
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Fetch(testCtx(t), imap.SeqSetOf(1), Items("UID", "FLAGS"), &FetchOptions{
		OnMessage: func(*imap.FetchData) error { panic("boom") },
	})
	var ce *ConnError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("FETCH whose callback panics: %v, want a *ConnError naming the panic", err)
	}
}
