// Package storetest is the conformance suite every store.Store must pass:
// memstore, maildirstore and imapstore run the same checks, so the engine
// can rely on one behaviour whatever the store.
//
// A store that lacks a feature (per its Features) skips only the checks
// that need it, and is then checked to be honest about the absence (for
// example, without Features.Changes, Changes must fail with
// store.ErrCheckpointUnusable).
//
// Checkpoints: the suite gets its first checkpoint by asking Changes from
// store.Checkpoint{UIDValidity: v} (nothing else set), which a store that
// offers Changes must answer with every message as changed.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/imapdir/imapdir/store"
)

// Harness tells the suite how to build the store under test and how to
// change it from outside the interface, "behind" the store's back (as
// another IMAP client or a mail reader would). Every hook except New is
// optional: a nil change hook falls back to doing the change through a
// second Mailbox opened on the same store; a nil ResetUIDValidity or Reopen
// skips only the checks that need it.
type Harness struct {
	// New returns a fresh, empty store holding an INBOX. The suite closes
	// it (and checks Close's error); the harness cleans up anything else
	// with t.Cleanup.
	New func(t *testing.T) store.Store

	// AppendBehind adds a message to mailbox from outside.
	AppendBehind func(t *testing.T, st store.Store, mailbox string, body []byte, flags store.Flags, date time.Time)
	// ChangeFlagsBehind adds and removes flags on one message from
	// outside (on Maildir: renaming the file; on IMAP: another session).
	ChangeFlagsBehind func(t *testing.T, st store.Store, mailbox string, uid store.UID, add, remove store.Flags)
	// ExpungeBehind removes messages from outside.
	ExpungeBehind func(t *testing.T, st store.Store, mailbox string, uids ...store.UID)
	// ResetUIDValidity makes mailbox get a new UIDVALIDITY with the same
	// messages (a server that recreated it).
	ResetUIDValidity func(t *testing.T, st store.Store, mailbox string)
	// Reopen closes st and returns a new store over the same data (no
	// mailbox of st is open when it is called).
	Reopen func(t *testing.T, st store.Store) store.Store
	// Stored returns what the store keeps of an appended message, for a
	// server known to rewrite some (Courier-IMAP ends a last line that
	// lacks a line end with CRLF; Cyrus replaces 8-bit bytes in the
	// header). Nil: every message is kept byte for byte.
	Stored func(body []byte) []byte
}

// Run runs the whole suite as subtests of t, each on a fresh store.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("storetest: Harness.New is required")
	}
	tests := []struct {
		name string
		fn   func(f *fixture)
	}{
		{"Mailboxes", testMailboxes},
		{"RenameMailbox", testRename},
		{"DeleteMailbox", testDelete},
		{"RoundTrip", testRoundTrip},
		{"Fetch", testFetch},
		{"Flags", testFlags},
		{"ConditionalFlags", testConditionalFlags},
		{"Labels", testLabels},
		{"Expunge", testExpunge},
		{"Move", testMove},
		{"ListBatches", testListBatches},
		{"Changes", testChanges},
		{"ChangesVanishedAboveCheckpoint", testChangesVanishedAboveCheckpoint},
		{"ChangesUnusable", testChangesUnusable},
		{"UIDValidity", testUIDValidity},
		{"Reopen", testReopen},
		{"Find", testFind},
		{"Canceled", testCanceled},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(newFixture(t, h))
		})
	}
}

// fixture is one subtest's store and helpers.
type fixture struct {
	t    *testing.T
	h    Harness
	st   store.Store
	ctx  context.Context
	feat store.Features
}

func newFixture(t *testing.T, h Harness) *fixture {
	st := h.New(t)
	f := &fixture{t: t, h: h, ctx: t.Context(), feat: st.Features()}
	f.setStore(st)
	return f
}

// setStore makes st the fixture's store and closes it at the end.
func (f *fixture) setStore(st store.Store) {
	f.st = st
	f.t.Cleanup(func() {
		if f.st == st {
			if err := st.Close(); err != nil {
				f.t.Errorf("Store.Close: %v", err)
			}
		}
	})
}
