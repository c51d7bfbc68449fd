package imapclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// TestPipelined1000 sends 1 000 commands from 8 goroutines through one
// connection with a depth of 4 and checks every answer and the depth.
func TestPipelined1000(t *testing.T) {
	srv := testenv.Dovecot(t)
	const depth, goroutines, perG, nMsg = 4, 8, 125, 20
	c, u := login(t, srv, &Options{MaxInFlight: depth})
	raws := make([][]byte, nMsg)
	for i := range raws {
		raws[i] = testMessage(i + 1)
	}
	uids := srv.SaveMessages(t, u.Name, "INBOX", raws...)
	ctx := testCtx(t)
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perG)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perG {
				errs <- pipelinedOne(ctx, c, g*perG+i, uids)
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
		n++
	}
	if n != goroutines*perG {
		t.Errorf("%d results", n)
	}
	c.mu.Lock()
	peak := c.peakInflight
	c.mu.Unlock()
	if peak > depth || peak < 2 {
		t.Errorf("peak in flight %d, want 2..%d", peak, depth)
	}
	t.Logf("peak in flight: %d of %d", peak, depth)
}

// pipelinedOne runs command i (a typed FETCH, a generic FETCH, or a
// STATUS) and checks its answer.
func pipelinedOne(ctx context.Context, c *Client, i int, uids []uint32) error {
	k := i % len(uids)
	want := fmt.Sprintf("message %d", k+1)
	switch i % 3 {
	case 0:
		res, err := c.UIDFetch(ctx, imap.UIDSetOf(imap.UID(uids[k])), Items("UID", "ENVELOPE"), nil)
		if err != nil {
			return err
		}
		if len(res.Messages) != 1 || res.Messages[0].Envelope.Subject != want {
			return fmt.Errorf("command %d: UID FETCH %d gave %v", i, uids[k], res.Messages)
		}
	case 1:
		res, err := c.Command(ctx, imap.Atom("UID"), imap.Atom("FETCH"), imap.UIDSetOf(imap.UID(uids[k])), imap.List{imap.Atom("ENVELOPE")})
		if err != nil {
			return err
		}
		f := res.Fetches()
		if len(f) != 1 || f[0].Envelope.Subject != want {
			return fmt.Errorf("command %d: generic FETCH gave %v", i, res.Untagged)
		}
	default:
		st, err := c.Status(ctx, "INBOX", "MESSAGES")
		if err != nil {
			return err
		}
		if st.Messages != uint32(len(uids)) {
			return fmt.Errorf("command %d: STATUS gave %d messages", i, st.Messages)
		}
	}
	return nil
}

// TestAbandonedCommand: a command whose ctx ends is dropped cleanly; its
// late answer is read and dropped, the slot is given back, and the
// connection stays usable (a scripted server holds the answer back).
func TestAbandonedCommand(t *testing.T) {
	release := make(chan struct{})
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		first := strings.Fields(f.read())[0]
		<-release
		f.send("* 1 FETCH (UID 7 BODY[] {5}", "hello)", first+" OK late")
		for l := f.read(); l != ""; l = f.read() {
			f.send(strings.Fields(l)[0] + " OK done")
		}
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(testCtx(t))
	cmd, err := c.Start(ctx, imap.Atom("FETCH"), imap.SeqSetOf(1), imap.List{imap.Raw("BODY[]")})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := cmd.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel: %v", err)
	}
	close(release)
	for range 3 {
		ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
		if err := c.Noop(ctx); err != nil {
			t.Fatalf("NOOP after abandon: %v", err)
		}
		cancel()
	}
}
