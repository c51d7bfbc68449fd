package cli

import (
	"context"

	"fmt"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/golden"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// synced60 is a world whose INBOX of 60 messages has been synced once.
func synced60(t *testing.T, w *world) {
	w.seed("INBOX", 60)
	w.seed("Archive", 1)
	if code, out, errOut := w.run("sync"); code != ExitOK {
		t.Fatalf("first sync: exit %d\n%s%s", code, out, errOut)
	}
}

// expungeAll removes every message of mailbox from st behind the engine.
func expungeAll(t *testing.T, st *memstore.Store, mailbox string) {
	var uids []store.UID
	for _, mb := range st.Snapshot().Mailboxes {
		if mb.Name == mailbox {
			for _, m := range mb.Messages {
				uids = append(uids, m.UID)
			}
		}
	}
	if err := st.ExpungeBehind(mailbox, uids...); err != nil {
		t.Fatal(err)
	}
}

// failOpen makes every opening of mailbox on st fail for that mailbox only.
func failOpen(st *memstore.Store, mailbox string) {
	st.SetOnOp(func(op, mb string) error {
		if op == memstore.OpOpen && mb == mailbox {
			return store.Errorf(store.ScopeMailbox, false, op, mb, 0, "injected failure")
		}
		return nil
	})
}

// TestExitCodesGolden runs each way a command can end and records its exit
// code and error lines: one table (ExitOK … ExitInterrupted) whatever the
// command path, a whole account or single mailboxes, a real or a dry run.
func TestExitCodesGolden(t *testing.T) {
	cases := []struct {
		args  []string
		setup func(t *testing.T, w *world)
	}{
		{[]string{"sync"}, func(t *testing.T, w *world) { w.seed("INBOX", 2) }},
		{[]string{"sync", "work:INBOX"}, func(t *testing.T, w *world) { w.seed("INBOX", 2) }},
		{[]string{"sync", "--bogus"}, nil},
		{[]string{"sync", "nosuchaccount"}, nil},
		{[]string{"sync", "work:"}, nil},
		{[]string{"sync"}, func(t *testing.T, w *world) { w.writeConfig("[accounts.work]\nhots = \"x\"\n") }},
		{[]string{"sync", "work:NoSuchBox"}, func(t *testing.T, w *world) { w.seed("INBOX", 2) }},
		{[]string{"--dry-run", "sync", "work:NoSuchBox"}, func(t *testing.T, w *world) { w.seed("INBOX", 2) }},
		{[]string{"sync", "work:INBOX", "work:NoSuchBox"}, func(t *testing.T, w *world) { w.seed("INBOX", 2) }},
		{[]string{"sync"}, func(t *testing.T, w *world) { w.seed("INBOX", 2); w.seed("Archive", 1); failOpen(w.far, "Archive") }},
		{[]string{"sync", "work:Archive"}, func(t *testing.T, w *world) { w.seed("Archive", 1); failOpen(w.far, "Archive") }},
		{[]string{"sync"}, func(t *testing.T, w *world) { synced60(t, w); expungeAll(t, w.far, "INBOX") }},
		{[]string{"sync", "work:INBOX"}, func(t *testing.T, w *world) { synced60(t, w); expungeAll(t, w.far, "INBOX") }},
		{[]string{"--dry-run", "sync"}, func(t *testing.T, w *world) { synced60(t, w); expungeAll(t, w.far, "INBOX") }},
		{[]string{"sync"}, func(t *testing.T, w *world) { synced60(t, w); expungeAll(t, w.near, "INBOX") }},
		{[]string{"sync", "work:INBOX"}, func(t *testing.T, w *world) { synced60(t, w); expungeAll(t, w.near, "INBOX") }},
		{[]string{"--force", "sync", "work:INBOX"}, func(t *testing.T, w *world) { synced60(t, w); expungeAll(t, w.near, "INBOX") }},
		{[]string{"sync"}, func(t *testing.T, w *world) {
			w.seed("INBOX", 5)
			ctx, cancel := context.WithCancel(context.Background())
			w.ctx = ctx
			w.far.SetOnOp(func(op, _ string) error {
				if op == memstore.OpFetchBody {
					cancel()
				}
				return nil
			})
		}},
	}
	var b strings.Builder
	for _, c := range cases {
		w := newWorld(t)
		if c.setup != nil {
			c.setup(t, w)
		}
		code, _, errOut := w.run(c.args...)
		fmt.Fprintf(&b, "$ imapdir %s\nexit %d\n", strings.Join(c.args, " "), code)
		for _, l := range strings.Split(strings.TrimSpace(w.replaceDir(errOut)), "\n") {
			if l != "" {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	golden.Check(t, "exit_codes.golden", b.String())
}

// TestExitCodeOfRefusal: one guard refusal, one code, whichever way the
// mailbox was named.
func TestExitCodeOfRefusal(t *testing.T) {
	for _, args := range [][]string{{"sync"}, {"sync", "work"}, {"sync", "work:INBOX"}, {"sync", "work:INBOX", "work:Archive"}} {
		w := newWorld(t)
		synced60(t, w)
		expungeAll(t, w.near, "INBOX")
		if code, out, errOut := w.run(args...); code != ExitHeld {
			t.Errorf("%v: exit %d, want %d (ExitHeld)\n%s%s", args, code, ExitHeld, out, errOut)
		}
	}
}
