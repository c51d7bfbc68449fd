package syncer

import (
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// failNextAppend makes the next Append on st fail at message scope: the
// run goes on but records no checkpoint.
func failNextAppend(st *memstore.Store) {
	st.SetOnOp(func(op, mailbox string) error {
		if op == memstore.OpAppend {
			st.SetOnOp(nil)
			return store.Errorf(store.ScopeMessage, false, op, mailbox, 0, "refused")
		}
		return nil
	})
}

// Issue 11, item 8: a message copied by a run that recorded no checkpoint
// and then deleted must have its deletion propagated, although its UID is
// at or above the recorded checkpoint's UIDNEXT. Over every feature set
// (QRESYNC log, Known compared with the mailbox, full listings).
func TestDeletionAfterRunWithoutCheckpoint(t *testing.T) {
	for _, fs := range featureSets() {
		t.Run(fs.name, func(t *testing.T) {
			e := newEnv(t, fs.feat, fs.feat)
			e.seed(e.far, "INBOX", "old", "")
			e.sync() // a checkpoint on both sides
			e.seed(e.far, "INBOX", "a", "")
			e.seed(e.far, "INBOX", "b", "")
			failNextAppend(e.near)
			if res, _ := e.syncErr(e.opts); res.Mailboxes[0].Failed != 1 {
				t.Fatalf("report %+v, want one failed message", res.Mailboxes[0])
			}
			copied := "a"
			if e.count(e.near, "INBOX") != 2 {
				t.Fatalf("near holds %d, want 2", e.count(e.near, "INBOX"))
			}
			if !e.has(e.near, "INBOX", copied) {
				copied = "b"
			}
			e.expunge(e.near, "INBOX", copied)
			e.sync()
			e.sync()
			if e.has(e.far, "INBOX", copied) {
				t.Errorf("%s deleted on the near side after a run without checkpoint is still on the far side", copied)
			}
			e.converged()
		})
	}
}

// has reports whether mailbox on st holds the message seeded as id.
func (e *env) has(st *memstore.Store, mailbox, id string) bool {
	e.t.Helper()
	b, err := st.OpenMailbox(e.t.Context(), mailbox)
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	ms, err := b.Find(e.t.Context(), store.Query{MessageID: id + "@test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ms) > 0
}
