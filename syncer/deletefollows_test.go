package syncer

import (
	"testing"

	"github.com/imapdir/imapdir/store/memstore"
)

// A message deleted on one side while the other side moved it to another
// synchronized mailbox is deleted where it was moved to: the deletion
// follows the move. It is not copied back to the side that deleted it.
func TestDeletionFollowsMove(t *testing.T) {
	for _, fs := range featureSets() {
		for _, mover := range []Side{Far, Near} {
			t.Run(fs.name+"/moved on "+mover.String(), func(t *testing.T) {
				e := newEnv(t, fs.feat, fs.feat)
				e.base()
				e.sync()
				st := [2]*memstore.Store{e.far, e.near}
				e.move(st[mover], "INBOX", "c", "Archive")
				e.expunge(st[mover.Other()], "INBOX", "c")
				e.sync()
				e.sync()
				for s := Far; s <= Near; s++ {
					for _, mb := range []string{"INBOX", "Archive"} {
						if e.has(st[s], mb, "c") {
							t.Errorf("%s %s holds the deleted message", s, mb)
						}
					}
				}
				e.converged()
			})
		}
	}
}
