package syncer

import (
	"testing"

	"github.com/imapdir/imapdir/store/memstore"
)

// A deletion a run restricted to one direction or kind may not carry is
// carried by the next run that allows it, on either side and whatever the
// stores can tell (Changes or full listings).
func TestDeletionSurvivesRestrictedRun(t *testing.T) {
	restricted := []struct {
		name string
		sync Direction
	}{
		{"pull only", Direction{Pull: SyncAll}},
		{"push only", Direction{Push: SyncAll}},
		{"new only", Direction{Pull: SyncNew, Push: SyncNew}},
		{"flags only", Direction{Pull: SyncFlags, Push: SyncFlags}},
	}
	for _, fs := range featureSets() {
		for _, rs := range restricted {
			for _, gone := range []string{"far", "near"} {
				t.Run(fs.name+"/"+rs.name+"/"+gone, func(t *testing.T) {
					e := newEnv(t, fs.feat, fs.feat)
					e.base()
					if gone == "far" {
						e.expunge(e.far, "INBOX", "b")
					} else {
						e.expunge(e.near, "INBOX", "b")
					}
					opts := e.opts
					opts.Sync = rs.sync
					if _, err := e.syncErr(opts); err != nil {
						t.Fatal(err)
					}
					e.sync()
					e.converged()
					for _, st := range []*memstore.Store{e.far, e.near} {
						if n := e.count(st, "INBOX"); n != 3 {
							t.Fatalf("INBOX holds %d messages after the full run, want 3 (a c n)", n)
						}
					}
				})
			}
		}
	}
}
