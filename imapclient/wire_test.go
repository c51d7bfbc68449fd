package imapclient

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

func TestCompressDeflate(t *testing.T) {
	srv := testenv.Dovecot(t)
	var tr traceBuf
	c, u := login(t, srv, &Options{TraceWriter: &tr})
	defer func() {
		if t.Failed() {
			t.Log(tr.String())
		}
	}()
	ctx := testCtx(t)
	var raws [][]byte
	for i := 1; i <= 30; i++ {
		raws = append(raws, testMessage(i))
	}
	srv.SaveMessages(t, u.Name, "INBOX", raws...)
	if err := c.Compress(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Compress(ctx); err == nil {
		t.Error("second COMPRESS accepted")
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.Fetch(ctx, imap.SeqRangeSet(1, 0), Items("ENVELOPE", "BODY.PEEK[]"), nil)
	if err != nil || len(res.Messages) != 30 || res.Messages[29].Envelope.Subject != "message 30" {
		t.Fatalf("FETCH over DEFLATE: %d messages, %v", len(res.Messages), err)
	}
	m := testMessage(99)
	if _, err := c.Append(ctx, "INBOX", AppendMessage{Size: int64(len(m)), Body: strings.NewReader(string(m))}); err != nil {
		t.Fatalf("APPEND over DEFLATE: %v", err)
	}
	if err := c.Logout(ctx); err != nil {
		t.Errorf("LOGOUT over DEFLATE: %v", err)
	}
}

// TestSlowHandlerDoesNotStall: a handler that blocks does not delay the
// reader; queued events arrive later, all and in order.
func TestSlowHandlerDoesNotStall(t *testing.T) {
	const n = 3000
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		for l := f.read(); l != ""; l = f.read() {
			tag := strings.Fields(l)[0]
			if strings.HasSuffix(l, "NOOP") {
				var b strings.Builder
				for i := 1; i <= n; i++ {
					fmt.Fprintf(&b, "* %d EXISTS\r\n", i)
				}
				f.c.Write([]byte(b.String()))
			}
			f.send(tag + " OK done")
		}
	})
	release := make(chan struct{})
	got := make(chan uint32, n)
	handler := func(ev Event) {
		<-release
		if ev.Kind == EventExists {
			got <- ev.Num
		}
	}
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, Handler: handler, QueueWarnSize: 100,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Noop(testCtx(t)); err != nil {
		t.Fatalf("NOOP with a stuck handler: %v", err)
	}
	if c.Exists() != n {
		t.Errorf("client counts %d", c.Exists())
	}
	close(release)
	for i := uint32(1); i <= n; i++ {
		if v := <-got; v != i {
			t.Fatalf("event %d carries %d", i, v)
		}
	}
}

// TestSynchronizingLiteral: without LITERAL+ the client waits for "+"
// before a literal; a NO instead ends only that command.
func TestSynchronizingLiteral(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		for l := f.read(); l != ""; l = f.read() {
			tag := strings.Fields(l)[0]
			switch {
			case strings.Contains(l, "Refuse"):
				f.send(tag + " NO [TRYCREATE] no such mailbox")
			case strings.HasSuffix(l, "}"):
				f.send("+ go ahead")
				var size int
				fmt.Sscanf(l[strings.LastIndex(l, "{"):], "{%d}", &size)
				io.ReadFull(f.br, make([]byte, size+2)) // the literal and CRLF
				f.send(tag + " OK [APPENDUID 7 42] stored")
			default:
				f.send(tag + " OK done")
			}
		}
	})
	var tr traceBuf
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, TraceWriter: &tr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := "Subject: x\r\n\r\nhello"
	au, err := c.Append(testCtx(t), "Box", AppendMessage{Size: int64(len(msg)), Body: strings.NewReader(msg)})
	if err != nil || au.UIDValidity != 7 || au.UIDs.String() != "42" {
		t.Fatalf("APPEND: %+v %v", au, err)
	}
	_, err = c.Append(testCtx(t), "Refuse", AppendMessage{Size: int64(len(msg)), Body: strings.NewReader(msg)})
	if !imap.HasCode(err, imap.CodeTryCreate) {
		t.Fatalf("refused literal: %v", err)
	}
	if err := c.Noop(testCtx(t)); err != nil {
		t.Fatalf("NOOP after a refused literal: %v", err)
	}
	if !strings.Contains(tr.String(), "<"+fmt.Sprint(len(msg))+" bytes>") || strings.Contains(tr.String(), "hello") ||
		!strings.Contains(tr.String(), "\nC: A3 NOOP\n") {
		t.Errorf("literal not summarized in trace:\n%s", tr.String())
	}
}

// TestTraceToSlog: the trace reaches a *slog.Logger, redacted.
func TestTraceToSlog(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	var tr traceBuf
	log := slog.New(slog.NewTextHandler(&tr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := dialTLS(t, srv, &Options{Trace: log})
	if err := c.Login(testCtx(t), u.Name, SecretString(u.Password)); err != nil {
		t.Fatal(err)
	}
	if s := tr.String(); !strings.Contains(s, "C: A1 LOGIN "+u.Name) || strings.Contains(s, u.Password) {
		t.Errorf("slog trace:\n%s", s)
	}
	_ = context.Background
}

// TestTraceLiteralBodies: with TraceLiterals the start of a body shows;
// without, only its size.
func TestTraceLiteralBodies(t *testing.T) {
	srv := testenv.Dovecot(t)
	for _, show := range []bool{false, true} {
		var tr traceBuf
		c, u := login(t, srv, &Options{TraceWriter: &tr, TraceLiterals: show})
		srv.SaveMessage(t, u.Name, "INBOX", testMessage(7))
		if _, err := c.Select(testCtx(t), "INBOX", nil); err != nil {
			t.Fatal(err)
		}
		res, err := c.Fetch(testCtx(t), imap.SeqSetOf(1), Items("BODY.PEEK[]"), nil)
		if err != nil || len(res.Messages) != 1 {
			t.Fatal(err)
		}
		size := fmt.Sprint(len(testMessage(7)))
		shown := strings.Contains(tr.String(), `Subject: message 7`)
		summary := "BODY[] {" + size + " bytes}"
		if show {
			summary = "(literal BODY[] of message 1, " + size + " bytes)"
		}
		if shown != show || !strings.Contains(tr.String(), summary) {
			t.Errorf("TraceLiterals=%v: body shown %v:\n%s", show, shown, tr.String())
		}
	}
}
