package imapclient

import (
	"bytes"
	"errors"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/faultproxy"
	"github.com/imapdir/imapdir/internal/testenv"
)

// TestSessionTypedRetried: reads cut by a connection failure run again on
// the next connection and succeed.
func TestSessionTypedRetried(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uid := srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	s, p, _ := proxiedSession(t, srv, u)
	ctx := testCtx(t)

	cut := p.CutAfter(faultproxy.ToServer, "UID FETCH", 0)
	res, err := s.UIDFetch(ctx, imap.UIDSetOf(imap.UID(uid)), Items("ENVELOPE"), nil)
	waitFor(t, cut, "the cut")
	if err != nil || len(res.Messages) != 1 || res.Messages[0].Envelope.Subject != "message 1" {
		t.Fatalf("UIDFetch across a reconnect: %v %v", res, err)
	}
	cut = p.CutAfter(faultproxy.ToServer, "STATUS", 0)
	st, err := s.Status(ctx, "INBOX", "MESSAGES")
	waitFor(t, cut, "the cut")
	if err != nil || st.Messages != 1 {
		t.Fatalf("Status across a reconnect: %+v %v", st, err)
	}
	cut = p.CutAfter(faultproxy.ToServer, "UID SEARCH", 0)
	sr, err := s.UIDSearch(ctx, imap.Atom("ALL"))
	waitFor(t, cut, "the cut")
	if err != nil || sr.UIDs.String() != imap.UIDSetOf(imap.UID(uid)).String() {
		t.Fatalf("UIDSearch across a reconnect: %+v %v", sr, err)
	}
	if n := p.Connections(); n != 4 {
		t.Errorf("%d connections, want 4", n)
	}
}

// TestSessionTypedNotRetried: a write cut by a connection failure, and a
// streamed fetch that had delivered a message, fail with a retryable
// *ConnError instead of running twice.
func TestSessionTypedNotRetried(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	big := append(testMessage(2), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 2000)...)
	uids := srv.SaveMessages(t, u.Name, "INBOX", testMessage(1), big)
	s, p, sink := proxiedSession(t, srv, u)
	ctx := testCtx(t)

	cut := p.CutAfter(faultproxy.ToServer, "APPEND", 0)
	msg := testMessage(3)
	_, err := s.Append(ctx, "INBOX", AppendMessage{Size: int64(len(msg)), Body: bytes.NewReader(msg)})
	waitFor(t, cut, "the cut")
	var ce *ConnError
	if !errors.As(err, &ce) || !IsRetryable(err) {
		t.Fatalf("Append cut: want a retryable *ConnError, got %v", err)
	}
	sink.next(t, EventReconnected)

	cut = p.CutAfter(faultproxy.ToClient, "* 2 FETCH", 1000)
	seen := 0
	_, err = s.UIDFetch(ctx, imap.UIDSetOf(imap.UID(uids[0]), imap.UID(uids[1])), Items("BODY.PEEK[]"),
		&FetchOptions{OnMessage: func(*imap.FetchData) error { seen++; return nil }})
	waitFor(t, cut, "the cut")
	if !errors.As(err, &ce) || seen != 1 {
		t.Fatalf("streamed UIDFetch cut after one message: %v, %d messages handed out; want a *ConnError after 1", err, seen)
	}
}
