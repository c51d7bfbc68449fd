package syncer

import (
	"testing"

	"github.com/imapdir/imapdir/store"
)

func fl(s string) store.Flags { return store.ParseFlags(s) }

func TestMergeFlags(t *testing.T) {
	both := Direction{Pull: SyncAll, Push: SyncAll}
	cases := []struct {
		name                   string
		agreed, far, near      string
		kw                     [2]bool
		sync                   Direction
		known                  [2]bool
		agreedOut              string
		addF, remF, addN, remN string
	}{
		{name: "no change", agreed: `\Seen`, far: `\Seen`, near: `\Seen`, agreedOut: `\Seen`},
		{name: "far adds", agreed: ``, far: `\Seen`, near: ``, agreedOut: `\Seen`, addN: `\Seen`},
		{name: "near removes", agreed: `\Seen`, far: `\Seen`, near: ``, agreedOut: ``, remF: `\Seen`},
		{name: "both add same", agreed: ``, far: `\Seen`, near: `\Seen`, agreedOut: `\Seen`},
		{name: "both remove same", agreed: `\Seen`, far: ``, near: ``, agreedOut: ``},
		{name: "far adds, near removes other", agreed: `\Flagged`, far: `\Flagged \Seen`, near: ``,
			agreedOut: `\Seen`, remF: `\Flagged`, addN: `\Seen`},
		{name: "far adds keyword, near removes system", agreed: `\Answered \Seen`, far: `\Answered \Seen work`,
			near: `\Seen`, agreedOut: `\Seen work`, remF: `\Answered`, addN: `work`},
		{name: "keyword case-insensitive", agreed: `Work`, far: `work`, near: `Work`, agreedOut: `Work`},
		{name: "near without keywords keeps agreed keyword", agreed: `work`, far: `work \Seen`, near: ``,
			kw: [2]bool{true, false}, agreedOut: `\Seen work`, addN: `\Seen`},
		{name: "far removes keyword near cannot hold", agreed: `work`, far: ``, near: ``,
			kw: [2]bool{true, false}, agreedOut: ``},
		{name: "pull flags off keeps agreed", agreed: ``, far: `\Seen`, near: ``,
			sync: Direction{Pull: SyncNew | SyncGone, Push: SyncAll}, agreedOut: ``},
		{name: "push flags off keeps agreed", agreed: ``, far: ``, near: `\Flagged`,
			sync: Direction{Pull: SyncAll, Push: SyncNew}, agreedOut: ``},
		{name: "unknown near counts unchanged", agreed: `\Seen`, far: `\Seen \Flagged`, near: `garbage`,
			known: [2]bool{true, false}, agreedOut: `\Flagged \Seen`, addN: `\Flagged`},
		{name: "deleted flag propagates", agreed: ``, far: ``, near: `\Deleted`, agreedOut: `\Deleted`, addF: `\Deleted`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kw := c.kw
			if kw == ([2]bool{}) {
				kw = [2]bool{true, true}
			}
			sync := c.sync
			if sync == (Direction{}) {
				sync = both
			}
			known := c.known
			if known == ([2]bool{}) {
				known = [2]bool{true, true}
			}
			m := MergeFlags(MergeInput{Agreed: fl(c.agreed), Cur: [2]store.Flags{fl(c.far), fl(c.near)},
				Known: known, Keywords: kw, Sync: sync})
			check := func(what string, got store.Flags, want string) {
				t.Helper()
				if !got.Equal(fl(want)) {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("agreed", m.Agreed, c.agreedOut)
			check("add far", m.Add[Far], c.addF)
			check("remove far", m.Remove[Far], c.remF)
			check("add near", m.Add[Near], c.addN)
			check("remove near", m.Remove[Near], c.remN)
		})
	}
}
