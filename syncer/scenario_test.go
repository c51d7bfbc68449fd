package syncer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// A scenario starts from a synchronized base (far: INBOX a b c, Archive x;
// near: INBOX n), applies changes on either side "behind the engine's back",
// then syncs. Every scenario runs (1) normally, (2) again, expecting nothing
// to do, and (3) crashed before each durable step and resumed, expecting
// the same final content.
type scenario struct {
	name   string
	change func(e *env)
	// needsMoveReports: the scenario empties a near mailbox by a move, which
	// only a store reporting moves (ChangeSet.MovedOut) tells from an
	// emptied mailbox; without Changes the empty-mailbox guard stops it.
	needsMoveReports bool
	// opts, if set, adjusts the options of the scenario's runs.
	opts func(*Options)
	// check, if set, asserts more on the normal run's result.
	check func(t *testing.T, e *env, res Result)
}

func (e *env) uid(st *memstore.Store, mailbox, id string) store.UID {
	e.t.Helper()
	b, err := st.OpenMailbox(context.Background(), mailbox)
	if err != nil {
		e.t.Fatalf("open %s: %v", mailbox, err)
	}
	defer b.Close()
	ms, err := b.Find(context.Background(), store.Query{MessageID: id + "@test"})
	if err != nil || len(ms) != 1 {
		e.t.Fatalf("find %s in %s: %v (%d found)", id, mailbox, err, len(ms))
	}
	return ms[0].UID
}

func (e *env) flags(st *memstore.Store, mailbox, id, add, remove string) {
	e.t.Helper()
	if err := st.ChangeFlagsBehind(mailbox, e.uid(st, mailbox, id), store.ParseFlags(add), store.ParseFlags(remove)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) expunge(st *memstore.Store, mailbox, id string) {
	e.t.Helper()
	if err := st.ExpungeBehind(mailbox, e.uid(st, mailbox, id)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) move(st *memstore.Store, mailbox, id, dest string) {
	e.t.Helper()
	if _, err := st.MoveBehind(mailbox, e.uid(st, mailbox, id), dest); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) base() {
	e.seed(e.far, "INBOX", "a", `\Seen`)
	e.seed(e.far, "INBOX", "b", `\Flagged work`)
	e.seed(e.far, "INBOX", "c", ``)
	e.seed(e.far, "Archive", "x", `\Seen`)
	e.seed(e.near, "INBOX", "n", `\Answered`)
	e.sync()
	e.converged()
}

var scenarios = []scenario{
	{name: "nothing changed"},
	{name: "new far", change: func(e *env) { e.seed(e.far, "INBOX", "f1", `\Seen`); e.seed(e.far, "Archive", "f2", ``) }},
	{name: "new near", change: func(e *env) { e.seed(e.near, "INBOX", "n1", `\Draft`) }},
	{name: "new both", change: func(e *env) { e.seed(e.far, "INBOX", "f1", ``); e.seed(e.near, "INBOX", "n1", ``) }},
	{name: "same new both", change: func(e *env) { e.seed(e.far, "INBOX", "s", `\Seen`); e.seed(e.near, "INBOX", "s", `\Flagged`) },
		check: func(t *testing.T, e *env, res Result) {
			if n := total(res, func(m MailboxReport) int { return m.New[Far] + m.New[Near] }); n != 0 {
				t.Errorf("same message new on both sides was copied %d times", n)
			}
		}},
	{name: "flags far", change: func(e *env) { e.flags(e.far, "INBOX", "c", `\Seen $Forwarded`, ``) }},
	{name: "flags near", change: func(e *env) { e.flags(e.near, "INBOX", "a", `\Flagged`, `\Seen`) }},
	{name: "flags both merge", change: func(e *env) {
		e.flags(e.far, "INBOX", "b", `\Seen`, ``)
		e.flags(e.near, "INBOX", "b", `home`, `\Flagged work`)
	}},
	{name: "deleted far", change: func(e *env) { e.expunge(e.far, "INBOX", "a") }},
	{name: "deleted near", change: func(e *env) { e.expunge(e.near, "INBOX", "n") }},
	{name: "deleted both", change: func(e *env) { e.expunge(e.far, "INBOX", "a"); e.expunge(e.near, "INBOX", "a") }},
	{name: "deleted far, changed near", change: func(e *env) {
		e.expunge(e.far, "INBOX", "c")
		e.flags(e.near, "INBOX", "c", `\Seen`, ``)
	}},
	{name: "marked deleted near", change: func(e *env) { e.flags(e.near, "INBOX", "b", `\Deleted`, ``) }},
	{name: "moved far", change: func(e *env) { e.move(e.far, "INBOX", "a", "Archive") }, check: movedWithoutDownload(1)},
	{name: "moved near", change: func(e *env) { e.move(e.near, "INBOX", "b", "Archive") }, check: movedWithoutDownload(1)},
	{name: "moved both ways", needsMoveReports: true, change: func(e *env) {
		e.move(e.far, "INBOX", "a", "Archive")
		e.move(e.near, "Archive", "x", "INBOX")
	}, check: movedWithoutDownload(2)},
	{name: "moved and back", change: func(e *env) {
		e.move(e.near, "INBOX", "a", "Archive")
		e.move(e.near, "Archive", "a", "INBOX")
	}, check: movedWithoutDownload(0)},
	{name: "many new in small batches", opts: func(o *Options) { o.BatchMessages = 3 }, change: func(e *env) {
		for i := 0; i < 7; i++ {
			e.seed(e.far, "INBOX", fmt.Sprintf("f%d", i), ``)
		}
		e.seed(e.near, "Archive", "n1", ``)
		e.seed(e.near, "Archive", "n2", ``)
	}},
	{name: "mailbox created far", change: func(e *env) { e.seed(e.far, "Projects/2025", "p", ``) }},
	{name: "mailbox created near", change: func(e *env) { e.seed(e.near, "Entwürfe", "d", `\Draft`) }},
	{name: "everything at once", change: func(e *env) {
		e.seed(e.far, "INBOX", "f1", ``)
		e.seed(e.near, "Archive", "n1", `\Seen`)
		e.flags(e.far, "INBOX", "b", `\Answered`, `work`)
		e.flags(e.near, "INBOX", "b", ``, `\Flagged`)
		e.expunge(e.far, "INBOX", "c")
		e.expunge(e.near, "INBOX", "n")
		e.move(e.far, "INBOX", "a", "Archive")
	}},
}

// movedWithoutDownload checks that a store reporting moves (memstore
// does for atomic moves, Features.Move) got its moves carried over as n
// moves, without fetching a body.
func movedWithoutDownload(n int) func(t *testing.T, e *env, res Result) {
	return func(t *testing.T, e *env, res Result) {
		f := e.far.Features()
		if !f.Move || !f.Changes {
			return
		}
		if got := total(res, func(m MailboxReport) int { return m.Moved[Far] + m.Moved[Near] }); got != n {
			t.Errorf("moves carried over: %d, want %d", got, n)
		}
		for i, st := range []*memstore.Store{e.far, e.near} {
			if c := st.OpCount(memstore.OpFetchBody); c != 0 {
				t.Errorf("%s store: %d bodies fetched for a move", Side(i), c)
			}
		}
	}
}

// featureSets switch each store feature off in turn, on both sides.
func featureSets() []struct {
	name string
	feat store.Features
} {
	all := memstore.AllFeatures()
	out := []struct {
		name string
		feat store.Features
	}{{"all", all}}
	off := func(name string, f func(*store.Features)) {
		ft := all
		f(&ft)
		out = append(out, struct {
			name string
			feat store.Features
		}{"no " + name, ft})
	}
	off("Changes", func(f *store.Features) { f.Changes, f.QResync = false, false })
	off("CondStore", func(f *store.Features) { f.CondStore = false })
	off("QResync", func(f *store.Features) { f.QResync = false })
	off("UIDPlus", func(f *store.Features) { f.UIDPlus = false })
	off("Move", func(f *store.Features) { f.Move = false })
	off("Keywords", func(f *store.Features) { f.Keywords = false })
	off("StableIDs", func(f *store.Features) { f.StableIDs = false })
	off("MailboxIDs", func(f *store.Features) { f.MailboxIDs = false })
	return out
}

// runScenario runs sc normally and again, and returns the final content.
func runScenario(t *testing.T, feat store.Features, sc scenario) string {
	e := newEnv(t, feat, feat)
	e.base()
	if sc.opts != nil {
		sc.opts(&e.opts)
	}
	if sc.change != nil {
		sc.change(e)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	res := e.sync()
	e.converged()
	if sc.check != nil {
		sc.check(t, e, res)
	}
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
	e.converged()
	return e.far.Snapshot().Content()
}

// assertIdle fails when the last run changed or fetched anything.
func assertIdle(t *testing.T, e *env) {
	t.Helper()
	for i, st := range []*memstore.Store{e.far, e.near} {
		for _, op := range []string{memstore.OpFetchBody, memstore.OpAppend, memstore.OpFlags,
			memstore.OpExpunge, memstore.OpMove, memstore.OpCreate, memstore.OpDelete, memstore.OpRename} {
			if n := st.OpCount(op); n != 0 {
				t.Errorf("re-run: %s store did %d %s operations, want 0", Side(i), n, op)
			}
		}
	}
}

func TestScenarios(t *testing.T) {
	sets := featureSets()
	if raceEnabled {
		sets = sets[:3] // all; no Changes; no CondStore
	}
	for _, fs := range sets {
		t.Run(fs.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					if sc.needsMoveReports && !fs.feat.Changes {
						t.Skip("the store cannot report moves: the empty-mailbox guard rightly stops this")
					}
					runScenario(t, fs.feat, sc)
				})
			}
		})
	}
}

var errCrash = errors.New("injected crash")

// crasher counts durable steps (state commits and store mutations) and
// fails step k and every step after it, as a process killed at that point.
type crasher struct {
	mu    sync.Mutex
	k, n  int
	fired bool
}

func (c *crasher) step() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.fired || c.n >= c.k {
		c.fired = true
		return errCrash
	}
	return nil
}

var mutatingOps = map[string]bool{
	memstore.OpAppend: true, memstore.OpFlush: true, memstore.OpFlags: true, memstore.OpExpunge: true,
	memstore.OpMove: true, memstore.OpCreate: true, memstore.OpDelete: true, memstore.OpRename: true,
}

// crashRun runs sc with a crash before durable step k, then resumes with
// a fresh engine. It returns whether the crash fired and the final content.
func crashRun(t *testing.T, feat store.Features, sc scenario, k int) (bool, string) {
	return crashRunWith(t, feat, sc, k, nil, nil)
}

// crashRunWith is crashRun with more base (after the scenario's base, when
// not nil) and changes made between the crash and the resumed run.
func crashRunWith(t *testing.T, feat store.Features, sc scenario, k int, more, between func(*env)) (bool, string) {
	e := newEnv(t, feat, feat)
	e.base()
	if more != nil {
		more(e)
	}
	if sc.opts != nil {
		sc.opts(&e.opts)
	}
	if sc.change != nil {
		sc.change(e)
	}
	c := &crasher{k: k}
	hook := func(op, mailbox string) error {
		if mutatingOps[op] {
			return c.step()
		}
		return nil
	}
	e.far.SetOnOp(hook)
	e.near.SetOnOp(hook)
	opts := e.opts
	opts.Connections = 1 // one order of steps
	eng := e.engine(opts)
	eng.beforeCommit = c.step
	_, _ = eng.SyncAccount(context.Background())
	e.far.SetOnOp(nil)
	e.near.SetOnOp(nil)
	if !c.fired {
		return false, ""
	}
	e.far.Crash()
	e.near.Crash()
	statedbtest.Check(t, e.db)
	if between != nil {
		between(e)
	}
	e.sync()
	e.converged()
	e.far.ResetCounts()
	e.near.ResetCounts()
	e.sync()
	assertIdle(t, e)
	return true, e.far.Snapshot().Content()
}

func TestScenariosCrashed(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("the crash loop is long; it runs without -short and -race")
	}
	sets := featureSets()
	pick := []int{0, 1, 3, 4, 5} // all; no Changes; no QResync; no UIDPlus; no Move
	if os.Getenv("SYNCER_CRASH_ALL") != "" {
		pick = []int{0, 1, 2, 3, 4, 5, 6, 7, 8} // every feature set (about 90 s)
	}
	for _, fs := range pick {
		t.Run(sets[fs].name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					if sc.needsMoveReports && !sets[fs].feat.Changes {
						t.Skip("the store cannot report moves")
					}
					want := runScenario(t, sets[fs].feat, sc)
					for k := 1; k < 200; k++ {
						fired, got := crashRun(t, sets[fs].feat, sc, k)
						if !fired {
							t.Logf("crashed and resumed at each of %d durable steps", k-1)
							return
						}
						if got != want {
							t.Fatalf("crash before step %d: final content differs\ngot:\n%s\nwant:\n%s", k, got, want)
						}
					}
					t.Fatal("more than 200 durable steps")
				})
			}
		})
	}
}

func TestCrasherCounts(t *testing.T) {
	c := &crasher{k: 3}
	var errs []string
	for i := 0; i < 4; i++ {
		errs = append(errs, fmt.Sprint(c.step()))
	}
	if got := strings.Join(errs, ","); got != "<nil>,<nil>,injected crash,injected crash" {
		t.Fatal(got)
	}
}
