package syncer

import (
	"fmt"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// windowOpts lists in windows of 4 new messages, copied in batches of 3.
func windowOpts(o *Options) { o.WindowMessages, o.BatchMessages = 4, 3 }

// seedMany adds n messages w0… to mailbox of st.
func seedMany(e *env, st *memstore.Store, mailbox string, n int) {
	for i := range n {
		e.seed(st, mailbox, fmt.Sprintf("w%d", i), `\Seen`)
	}
}

// countLists counts the List and Changes calls on far INBOX.
func countLists(st *memstore.Store) *int {
	n := new(int)
	st.SetOnOp(func(op, mailbox string) error {
		if mailbox == "INBOX" && (op == memstore.OpList || op == memstore.OpChanges) {
			*n++
		}
		return nil
	})
	return n
}

// windowCase is a state before a sync in which one side lists more new
// messages than a window.
type windowCase struct {
	name  string
	feat  store.Features
	setup func(e *env)
	// windowed: the listing goes by windows (else it falls back to one).
	windowed bool
}

func windowCases() []windowCase {
	noChanges := memstore.AllFeatures()
	noChanges.Changes, noChanges.QResync = false, false
	return []windowCase{
		{"first sync from far", memstore.AllFeatures(), func(e *env) {
			seedMany(e, e.far, "INBOX", 30)
		}, true},
		{"first sync from near", memstore.AllFeatures(), func(e *env) {
			seedMany(e, e.near, "INBOX", 30)
		}, true},
		{"first sync, one message on both sides", memstore.AllFeatures(), func(e *env) {
			seedMany(e, e.far, "INBOX", 30)
			e.seed(e.near, "INBOX", "w25", `\Seen`)
		}, false},
		{"full listing, flag change and new", noChanges, func(e *env) {
			e.base()
			e.flags(e.far, "INBOX", "b", `\Seen`, ``)
			e.flags(e.near, "INBOX", "a", `\Answered`, ``)
			seedMany(e, e.far, "INBOX", 30)
		}, true},
		{"full listing, vanished and back", noChanges, func(e *env) {
			e.base()
			seedMany(e, e.far, "INBOX", 30)
			e.expunge(e.far, "INBOX", "a")
			e.seed(e.far, "INBOX", "a", `\Seen`)
		}, false},
	}
}

// runWindowCase runs c's sync with opts adjusted by adjust and returns the
// report's counts, the final content and the listings of the INBOXes.
func runWindowCase(t *testing.T, c windowCase, adjust func(*Options)) (string, string, int) {
	e := newEnv(t, c.feat, c.feat)
	c.setup(e)
	if adjust != nil {
		adjust(&e.opts)
	}
	lists := countLists(e.far)
	nearLists := countLists(e.near)
	res := e.sync()
	e.far.SetOnOp(nil)
	e.near.SetOnOp(nil)
	e.converged()
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
	var counts string
	for _, m := range res.Mailboxes {
		counts += fmt.Sprintf("%s new %v deleted %v changed %v skipped %d\n", m.Mailbox, m.New, m.Deleted, m.Changed, len(m.Skipped))
	}
	return counts, e.far.Snapshot().Content(), max(*lists, *nearLists)
}

// TestWindowedListing: a side with more new messages than a window is
// listed in windows when later windows cannot change the first plan, and
// at once otherwise; either way the sync does exactly what it does
// without windows (same copies, deletions, flag changes, final content),
// and a re-run has nothing to do.
func TestWindowedListing(t *testing.T) {
	for _, c := range windowCases() {
		t.Run(c.name, func(t *testing.T) {
			wantCounts, wantContent, _ := runWindowCase(t, c, nil)
			counts, content, lists := runWindowCase(t, c, windowOpts)
			if counts != wantCounts {
				t.Errorf("windowed run did\n%swant\n%s", counts, wantCounts)
			}
			if content != wantContent {
				t.Errorf("windowed run left\n%swant\n%s", content, wantContent)
			}
			if c.windowed && lists < 5 {
				t.Errorf("INBOX listed %d times, want windows (at least 5)", lists)
			}
			if !c.windowed && lists > 2 {
				t.Errorf("INBOX listed %d times, want no windows", lists)
			}
		})
	}
}

// TestWindowedFirstSyncCrashed crashes a windowed sync before each durable
// step and resumes: the same final content, nothing copied twice, and a
// re-run with nothing to do.
func TestWindowedFirstSyncCrashed(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("the crash loop is long; it runs without -short and -race")
	}
	sc := scenario{name: "windows", opts: windowOpts, change: func(e *env) {
		seedMany(e, e.far, "Sent", 20)
		seedMany(e, e.near, "Drafts", 10)
	}}
	for _, fs := range featureSets()[:2] {
		t.Run(fs.name, func(t *testing.T) {
			want := runScenario(t, fs.feat, sc)
			for k := 1; k < 400; k++ {
				fired, got := crashRun(t, fs.feat, sc, k)
				if !fired {
					t.Logf("crashed and resumed at each of %d durable steps", k-1)
					return
				}
				if got != want {
					t.Fatalf("crash before step %d: final content differs\ngot:\n%s\nwant:\n%s", k, got, want)
				}
			}
			t.Fatal("more than 400 durable steps")
		})
	}
}
