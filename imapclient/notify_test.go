package imapclient

import (
	"context"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// nextStatus waits for an unsolicited STATUS of mailbox.
func (s eventSink) nextStatus(t *testing.T, c *Client, mailbox string) *imap.StatusData {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-s:
			if st, ok := c.NotifiedStatus(ev); ok && st.Mailbox == mailbox {
				return st
			}
		case <-timeout:
			t.Fatalf("no STATUS of %q", mailbox)
			return nil
		}
	}
}

// TestNotifyOtherMailboxes: with NOTIFY SET for the personal namespace and
// no mailbox selected, a connection in Idle hears of a new message, a flag
// change and an expunge in another mailbox as STATUS responses
// (RFC 5465 §5.2-5.4).
func TestNotifyOtherMailboxes(t *testing.T) {
	t.Parallel()
	srv := testenv.Dovecot(t)
	sink := make(eventSink, 100)
	c, u := login(t, srv, &Options{Handler: sink.handle})
	srv.CreateMailbox(t, u.Name, "Archive/2024")
	ctx := testCtx(t)
	if _, err := c.Enable(ctx, imap.CapCondStore); err != nil {
		t.Fatal(err)
	}
	events := []string{"MessageNew", "MessageExpunge", "FlagChange"}
	if err := c.NotifySet(ctx, false, NotifyGroup{Filter: "personal", Events: events}); err != nil {
		t.Fatalf("NOTIFY SET: %v", err)
	}
	idleCtx, stop := context.WithCancel(ctx)
	idled := make(chan error, 1)
	go func() { idled <- c.Idle(idleCtx) }()
	defer func() {
		stop()
		if err := <-idled; err != nil {
			t.Errorf("Idle: %v", err)
		}
	}()

	uid := srv.SaveMessage(t, u.Name, "Archive/2024", testMessage(1))
	st := sink.nextStatus(t, c, "Archive/2024")
	if st.Messages != 1 && st.UIDNext != imap.UID(uid+1) {
		t.Errorf("after an append: %+v", st)
	}
	srv.AddFlags(t, u.Name, "Archive/2024", uid, `\Seen`)
	st = sink.nextStatus(t, c, "Archive/2024")
	if st.HighestModSeq == 0 {
		t.Errorf("a flag change's STATUS has no HIGHESTMODSEQ: %+v", st)
	}
	srv.Expunge(t, u.Name, "Archive/2024", uid)
	sink.nextStatus(t, c, "Archive/2024")
}
