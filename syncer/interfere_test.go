package syncer

import (
	"sync"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// The scenario harness's interference hooks: changes made behind the
// engine's back while a run is under way (during a listing) and between a
// crashed run and its resumption. Every scenario runs with them over the
// feature sets; the final content must be what the same changes give when
// made before a run.

// effectOps are the operations a run makes after both sides were listed.
var effectOps = map[string]bool{
	memstore.OpFetchBody: true, memstore.OpAppend: true, memstore.OpFlush: true, memstore.OpFlags: true,
	memstore.OpExpunge: true, memstore.OpMove: true,
}

// lateChanges are the changes made during a run: a far message delivered
// while the near side is listed (after the far listing) and a near one
// delivered once both are listed.
func lateFar(e *env)  { e.seed(e.far, "INBOX", "late-f", `\Seen`) }
func lateNear(e *env) { e.seed(e.near, "INBOX", "late-n", `\Flagged`) }

// hooks installs fn as the OnOp hook of both stores, with the store it
// runs for.
func (e *env) hooks(fn func(st *memstore.Store, op, mailbox string) error) {
	for _, st := range []*memstore.Store{e.far, e.near} {
		st.SetOnOp(func(op, mailbox string) error { return fn(st, op, mailbox) })
	}
}

// duringListing returns a hook making the late changes during a run, and
// a function making those the run did not reach.
func (e *env) duringListing() (hook func(st *memstore.Store, op, mailbox string) error, rest func()) {
	var mu sync.Mutex
	var far, near bool
	hook = func(st *memstore.Store, op, mailbox string) error {
		mu.Lock()
		defer mu.Unlock()
		listing := op == memstore.OpList || op == memstore.OpChanges
		if st == e.near && listing && !far {
			far = true
			lateFar(e)
		}
		if effectOps[op] && !near {
			near = true
			lateNear(e)
		}
		return nil
	}
	rest = func() {
		mu.Lock()
		defer mu.Unlock()
		if !far {
			far = true
			lateFar(e)
		}
		if !near {
			near = true
			lateNear(e)
		}
	}
	return hook, rest
}

// scenarioEnv starts a scenario: base, options, the scenario's changes.
func scenarioEnv(t *testing.T, feat store.Features, sc scenario) *env {
	e := newEnv(t, feat, feat)
	e.base()
	if sc.opts != nil {
		sc.opts(&e.opts)
	}
	if sc.change != nil {
		sc.change(e)
	}
	return e
}

// settle syncs until nothing is left to do, then checks both sides agree
// and a further run is idle; it returns the far content.
func (e *env) settle() string {
	e.t.Helper()
	e.sync()
	e.sync()
	e.converged()
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(e.t, e)
	return e.far.Snapshot().Content()
}

func TestScenariosWithChangesDuringListing(t *testing.T) {
	sets := featureSets()
	if raceEnabled {
		sets = sets[:3]
	}
	for _, fs := range sets {
		t.Run(fs.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					if sc.needsMoveReports && !fs.feat.Changes {
						t.Skip("the store cannot report moves")
					}
					ref := scenarioEnv(t, fs.feat, sc)
					lateFar(ref)
					lateNear(ref)
					want := ref.settle()

					e := scenarioEnv(t, fs.feat, sc)
					hook, rest := e.duringListing()
					e.hooks(hook)
					e.sync()
					e.far.SetOnOp(nil)
					e.near.SetOnOp(nil)
					rest()
					if got := e.settle(); got != want {
						t.Fatalf("changes made during a listing: final content differs\ngot:\n%s\nwant:\n%s", got, want)
					}
				})
			}
		})
	}
}

// betweenChanges are made after a crash, before the resumed run: a local
// deletion and a local flag change of messages every scenario leaves
// alone, and new mail on both sides.
func betweenChanges(e *env) {
	e.expunge(e.near, "Keep", "k1")
	e.flags(e.near, "Keep", "k2", `\Flagged`, ``)
	e.flags(e.far, "Keep", "k3", `\Seen`, ``)
	e.seed(e.far, "Keep", "k4", ``)
	e.seed(e.near, "INBOX", "between-n", `\Draft`)
}

// keepBase adds the messages betweenChanges works on and syncs them.
func (e *env) keepBase() {
	for _, id := range []string{"k1", "k2", "k3"} {
		e.seed(e.far, "Keep", id, ``)
	}
	e.sync()
}

func TestScenariosCrashedWithChangesBetween(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("the crash loop is long; it runs without -short and -race")
	}
	sets := featureSets()
	for _, fs := range []int{0, 1, 4} { // all; no Changes; no UIDPlus
		t.Run(sets[fs].name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					if sc.needsMoveReports && !sets[fs].feat.Changes {
						t.Skip("the store cannot report moves")
					}
					ref := newEnv(t, sets[fs].feat, sets[fs].feat)
					ref.base()
					ref.keepBase()
					if sc.opts != nil {
						sc.opts(&ref.opts)
					}
					if sc.change != nil {
						sc.change(ref)
					}
					ref.sync()
					betweenChanges(ref)
					want := ref.settle()
					for k := 1; k < 200; k++ {
						fired, got := crashRunWith(t, sets[fs].feat, sc, k, func(e *env) { e.keepBase() }, betweenChanges)
						if !fired {
							t.Logf("crashed and resumed at each of %d durable steps", k-1)
							return
						}
						if got != want {
							t.Fatalf("crash before step %d, changes before the resume: final content differs\ngot:\n%s\nwant:\n%s", k, got, want)
						}
					}
					t.Fatal("more than 200 durable steps")
				})
			}
		})
	}
}

// Issue 11, item 16: a message the interrupted run copied to the near
// side and the user deleted there before the resumed run must stay
// deleted (and its deletion reach the far side), wherever the crash fell.
func TestCrashedCopyDeletedLocallyStaysDeleted(t *testing.T) {
	sc := scenario{name: "new far", change: func(e *env) { e.seed(e.far, "INBOX", "f1", `\Seen`) }}
	for _, fs := range featureSets() {
		t.Run(fs.name, func(t *testing.T) {
			if !fs.feat.UIDPlus {
				t.Skip("a store that cannot tell the UID of an append before it is durable leaves a copy deleted in that window unknown: it is copied again")
			}
			for k := 1; k < 200; k++ {
				var had bool
				var got *env
				del := func(e *env) {
					got = e
					if had = e.has(e.near, "INBOX", "f1"); had {
						e.expunge(e.near, "INBOX", "f1")
					}
				}
				fired, _ := crashRunWith(t, fs.feat, sc, k, nil, del)
				if !fired {
					return
				}
				if had && (got.has(got.near, "INBOX", "f1") || got.has(got.far, "INBOX", "f1")) {
					t.Errorf("crash before step %d: f1, deleted locally before the resume, came back (near %v, far %v)",
						k, got.has(got.near, "INBOX", "f1"), got.has(got.far, "INBOX", "f1"))
				}
			}
		})
	}
}
