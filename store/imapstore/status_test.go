package imapstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// selectCounter counts the SELECT and EXAMINE commands in a client trace.
type selectCounter struct{ n atomic.Int64 }

func (c *selectCounter) Write(p []byte) (int, error) {
	if f := strings.Fields(strings.ToUpper(string(p))); len(f) > 2 && f[0] == "C:" && (f[2] == "SELECT" || f[2] == "EXAMINE") {
		c.n.Add(1)
	}
	return len(p), nil
}

// tracingDialer logs in to srv as u, its trace into w.
func tracingDialer(srv *testenv.Server, u testenv.User, w *selectCounter) func(context.Context) (*imapclient.Client, error) {
	return func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.Dial(ctx, srv.IMAPAddr(), &imapclient.Options{InsecurePlaintext: true, TraceWriter: w})
		if err != nil {
			return nil, err
		}
		if err := c.Login(ctx, u.Name, imapclient.SecretString(u.Password)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// TestUnchangedMailboxNotSelected: a mailbox whose listed state (LIST-STATUS,
// or pipelined STATUS without it) equals the checkpoint is not SELECTed by
// OpenMailbox and Changes; one that changed is, and its change is reported.
// With CONDSTORE alone an expunge is told by the message count.
func TestUnchangedMailboxNotSelected(t *testing.T) {
	srv := testenv.Dovecot(t)
	for _, tc := range []struct {
		name     string
		disabled []imap.Cap
	}{
		{"list-status", nil},
		{"status", []imap.Cap{imap.CapListStatus}},
		{"condstore-status", []imap.Cap{imap.CapListStatus, imap.CapQResync}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := srv.NewUser(t)
			var raws [][]byte
			for i := range 3 {
				raws = append(raws, []byte(fmt.Sprintf("Message-ID: <s%d@test>\r\nSubject: %d\r\n\r\nbody\r\n", i, i)))
			}
			uids := srv.SaveMessages(t, u.Name, "INBOX", raws...)
			var sel selectCounter
			st := serverStore(t, srv, u, imapstore.Options{Dial: tracingDialer(srv, u, &sel), DisableCaps: tc.disabled})
			defer st.Close()
			ctx := t.Context()
			known := []store.UID{store.UID(uids[0]), store.UID(uids[1]), store.UID(uids[2])}
			changes := func(since store.Checkpoint) (store.Checkpoint, store.ChangeSet) {
				t.Helper()
				if _, err := st.ListMailboxes(ctx); err != nil {
					t.Fatal(err)
				}
				b, err := st.OpenMailbox(ctx, "INBOX")
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if since.UIDValidity == 0 {
					since.UIDValidity = b.Status().UIDValidity
				}
				var all store.ChangeSet
				req := store.ChangesRequest{Since: since, Known: func(yield func(store.UID) bool) {
					for _, u := range known {
						if !yield(u) {
							return
						}
					}
				}}
				cp, err := b.Changes(ctx, req, func(cs store.ChangeSet) error {
					all.Changed = append(all.Changed, cs.Changed...)
					all.Vanished = append(all.Vanished, cs.Vanished...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return cp, all
			}
			cp, all := changes(store.Checkpoint{}) // everything, and a first checkpoint
			if len(all.Changed) != 3 {
				t.Fatalf("first Changes reported %d messages, want 3", len(all.Changed))
			}
			sel.n.Store(0)
			again, all := changes(cp)
			if n := sel.n.Load(); n != 0 {
				t.Errorf("unchanged mailbox: %d SELECT/EXAMINE sent, want 0", n)
			}
			if again != cp || len(all.Changed)+len(all.Vanished) != 0 {
				t.Errorf("unchanged mailbox: checkpoint %+v (was %+v), changes %+v", again, cp, all)
			}
			srv.Expunge(t, u.Name, "INBOX", uids[1])
			_, all = changes(cp)
			if n := sel.n.Load(); n != 1 {
				t.Errorf("after an expunge: %d SELECT/EXAMINE sent, want 1", n)
			}
			if len(all.Vanished) != 1 || all.Vanished[0] != store.UID(uids[1]) {
				t.Errorf("after an expunge: vanished %v, want [%d]", all.Vanished, uids[1])
			}
		})
	}
}
