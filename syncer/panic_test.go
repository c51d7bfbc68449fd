package syncer

import (
	"context"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
)

// panicStore is a store whose mailbox "Bad" panics when listed.
type panicStore struct{ store.Store }

func (p panicStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := p.Store.OpenMailbox(ctx, name)
	if err != nil || name != "Bad" {
		return mb, err
	}
	return panicBox{mb}, nil
}

type panicBox struct{ store.Mailbox }

func (panicBox) List(context.Context, store.ListOptions, func([]store.Message) error) error {
	panic("listing went wrong")
}

// TestPanicFailsOneMailbox: a panic while one mailbox syncs fails that
// mailbox, named, with the panic's value; the others sync; the state
// stays consistent and the next run (without the panic) converges.
func TestPanicFailsOneMailbox(t *testing.T) {
	e := newEnv(t, store.Features{}, store.Features{})
	for _, mb := range []string{"INBOX", "Bad", "Good"} {
		e.seed(e.far, mb, mb+"-1", "")
		e.seed(e.far, mb, mb+"-2", `\Seen`)
	}
	eng, err := New(panicStore{e.far}, e.near, e.db, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.SyncAccount(context.Background())
	if err != nil {
		t.Fatalf("SyncAccount: %v", err)
	}
	for _, m := range res.Mailboxes {
		switch m.Mailbox {
		case "Bad":
			if m.Err == nil || !strings.Contains(m.Err.Error(), "panic: listing went wrong") || store.ScopeOf(m.Err) != store.ScopeMailbox {
				t.Errorf("Bad: %v, want a mailbox-scoped error naming the panic", m.Err)
			}
		default:
			if m.Err != nil {
				t.Errorf("%s: %v", m.Mailbox, m.Err)
			}
		}
	}
	for _, mb := range []string{"INBOX", "Good"} {
		if n := e.count(e.near, mb); n != 2 {
			t.Errorf("%s holds %d messages near, want 2", mb, n)
		}
	}
	statedbtest.Check(t, e.db)
	e.sync()
	e.converged()
}
