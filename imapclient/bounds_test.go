package imapclient

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
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

// TestStrayFetchWarned: FETCH answers that no command takes and that no
// unsolicited update looks like (UID 0, UID above 2^32-1, a UID sent
// twice) are warned about, not dropped without a word; the command gets
// its own messages.
func TestStrayFetchWarned(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		l := f.read()
		f.send(`* 1 FETCH (UID 1 RFC822.SIZE 10)`,
			`* 1 FETCH (UID 1 RFC822.SIZE 99)`,
			`* 2 FETCH (UID 0 RFC822.SIZE 10)`,
			`* 3 FETCH (UID 4294967296 RFC822.SIZE 10)`,
			`* 4 FETCH (UID 2 FLAGS (\Seen))`,
			strings.Fields(l)[0]+" OK done")
		f.read()
	})
	var logs bytes.Buffer
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.UIDFetch(testCtx(t), imap.UIDSetOf(1), Items("UID", "RFC822.SIZE"), nil)
	if err != nil || len(res.Messages) != 1 || res.Messages[0].Size != 10 {
		t.Fatalf("UID FETCH: %+v, %v", res, err)
	}
	out := logs.String()
	for _, want := range []string{"a UID sent twice", "UID 0 is not a valid UID", "UID 4294967296 is not a valid UID"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "ignoring a FETCH response") != 3 {
		t.Errorf("want 3 warnings (a flag update is not one):\n%s", out)
	}
}
