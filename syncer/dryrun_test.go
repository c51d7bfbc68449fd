package syncer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// dryStates are starting points that the synchronized base of the
// scenarios does not reach: an account never synchronized, deletions the
// guards hold back.
var dryStates = []scenario{
	{name: "never synced"},
	{name: "never synced, both sides", change: func(e *env) {
		e.seed(e.near, "INBOX", "l1", `\Seen`)
		e.seed(e.near, "Drafts", "l2", `\Draft`)
	}},
	{name: "mailbox guard holds deletions", opts: func(o *Options) { o.DeleteGuardCount, o.DeleteGuardPercent = 1, 10 },
		change: func(e *env) { e.expunge(e.far, "INBOX", "a"); e.expunge(e.far, "INBOX", "b") }},
	{name: "mailbox renamed far", change: func(e *env) {
		if err := e.far.RenameMailbox(context.Background(), "Archive", "Old"); err != nil {
			e.t.Fatal(err)
		}
		e.seed(e.far, "Old", "r1", ``)
	}},
	{name: "mailbox renamed near", change: func(e *env) {
		if err := e.near.RenameMailbox(context.Background(), "Archive", "Kept"); err != nil {
			e.t.Fatal(err)
		}
		e.seed(e.near, "Kept", "r2", `\Seen`)
	}},
	{name: "UIDVALIDITY reset far", change: func(e *env) {
		e.flags(e.far, "INBOX", "b", `\Answered`, ``)
		if err := e.far.ResetUIDValidity("INBOX"); err != nil {
			e.t.Fatal(err)
		}
		e.seed(e.far, "INBOX", "u1", ``)
	}},
	{name: "UIDVALIDITY reset near", change: func(e *env) {
		e.expunge(e.far, "Archive", "x")
		if err := e.near.ResetUIDValidity("Archive"); err != nil {
			e.t.Fatal(err)
		}
		e.seed(e.near, "INBOX", "u2", `\Seen`)
	}},
	{name: "interrupted copy", change: func(e *env) { interrupted(e, 4) }},
	{name: "interrupted later", change: func(e *env) { interrupted(e, 6) }},
	{name: "account guard holds deletions", opts: func(o *Options) { o.DeleteGuardAccount = 1 },
		change: func(e *env) { e.expunge(e.far, "INBOX", "a"); e.expunge(e.near, "INBOX", "n") }},
}

// interrupted leaves the state of a run crashed before durable step k of
// copying new messages both ways: pending intents, copies made or not.
func interrupted(e *env, k int) {
	for i := range 4 {
		e.seed(e.far, "INBOX", fmt.Sprintf("i%d", i), ``)
		e.seed(e.near, "Archive", fmt.Sprintf("j%d", i), ``)
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
	opts.Connections, opts.BatchMessages = 1, 2
	eng := e.engine(opts)
	eng.beforeCommit = c.step
	_, _ = eng.SyncAccount(context.Background())
	e.far.SetOnOp(nil)
	e.near.SetOnOp(nil)
	e.far.Crash()
	e.near.Crash()
	var pending int
	if err := e.db.View(context.Background(), func(tx *statedb.Tx) error {
		in, err := tx.PendingIntents(0)
		pending = len(in)
		return err
	}); err != nil || pending == 0 {
		e.t.Fatalf("crash before step %d left %d pending intents (%v), want some", k, pending, err)
	}
}

// reportLine is the part of a mailbox report that a dry run must predict,
// on one line for comparison.
func reportLine(m MailboxReport) string {
	held := "-"
	if m.Held != nil {
		held = fmt.Sprint(m.Held.Count)
	}
	return fmt.Sprintf("%s: new %v bytes %v changed %v deleted %v moved %v skipped %d held %s err %v",
		m.Mailbox, m.New, m.Bytes, m.Changed, m.Deleted, m.Moved, len(m.Skipped), held, m.Err != nil)
}

// reportLines returns a run's mailbox reports, sorted, without the
// mailboxes where nothing happens.
func reportLines(res Result) string {
	var lines []string
	for _, m := range res.Mailboxes {
		lines = append(lines, reportLine(m))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// dryThenReal runs sc's state as a dry run, checks it changed nothing,
// then runs it for real and compares the two reports.
func dryThenReal(t *testing.T, feat store.Features, sc scenario, fresh bool) {
	e := newEnv(t, feat, feat)
	if fresh {
		e.seed(e.far, "INBOX", "a", `\Seen`)
		e.seed(e.far, "INBOX", "b", ``)
		e.seed(e.far, "Archive", "x", `\Seen`)
	} else {
		e.base()
	}
	if sc.opts != nil {
		sc.opts(&e.opts)
	}
	if sc.change != nil {
		sc.change(e)
	}
	far, near := e.far.Snapshot().Content(), e.near.Snapshot().Content()
	e.far.ResetCounts()
	e.near.ResetCounts()
	opts := e.opts
	opts.DryRun = true
	dryActs := &actionRecorder{}
	opts.Observer = dryActs
	dry, err := e.engine(opts).SyncAccount(context.Background())
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	for i, st := range []*memstore.Store{e.far, e.near} {
		for op := range mutatingOps {
			if n := st.OpCount(op); n != 0 {
				t.Errorf("dry run: %s store did %d %s operations", Side(i), n, op)
			}
		}
	}
	if f, n := e.far.Snapshot().Content(), e.near.Snapshot().Content(); f != far || n != near {
		t.Fatalf("dry run changed the stores")
	}
	opts = e.opts
	realActs := &actionRecorder{}
	opts.Observer = realActs
	real, err := e.engine(opts).SyncAccount(context.Background())
	if err != nil {
		t.Fatalf("real run: %v", err)
	}
	for _, m := range dry.Mailboxes {
		if !m.DryRun {
			t.Errorf("dry run report of %s not marked DryRun", m.Mailbox)
		}
	}
	if d, r := reportLines(dry), reportLines(real); d != r {
		t.Errorf("the dry run's report differs from the real run's\ndry:\n%s\nreal:\n%s", d, r)
	}
	want := total(real, func(m MailboxReport) int {
		return m.New[Far] + m.New[Near] + m.Changed[Far] + m.Changed[Near] + m.Deleted[Far] + m.Deleted[Near] + m.Moved[Far] + m.Moved[Near]
	})
	if got := len(realActs.acts); got != want {
		t.Errorf("the real run reported %d message actions for %d changes:\n%s", got, want, realActs.lines())
	}
	if d, r := dryActs.lines(), realActs.lines(); d != r {
		t.Errorf("the dry run's message actions differ from the real run's\ndry:\n%s\nreal:\n%s", d, r)
	}
}

// actionRecorder keeps the message actions a run reports.
type actionRecorder struct {
	NopObserver
	mu   sync.Mutex
	acts []string
}

func (a *actionRecorder) Action(x Action) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.acts = append(a.acts, fmt.Sprintf("%s %s %s UID %d <%s> +%s -%s %s", x.Mailbox, x.Kind, x.To, x.UID, x.MessageID, x.Add, x.Remove, x.Dest))
}

// lines returns the actions sorted, one per line: the dry run and the real
// run must name the same messages, whatever order mailboxes ran in.
func (a *actionRecorder) lines() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := append([]string(nil), a.acts...)
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestDryRunMatchesRealRun: for every scenario and feature set, and from
// states the scenarios do not reach (never synced, guards holding), a dry
// run reports exactly what the real run on the same state then does.
func TestDryRunMatchesRealRun(t *testing.T) {
	sets := featureSets()
	if raceEnabled {
		sets = sets[:2] // all; no Changes (every set runs without -race)
	}
	for _, fs := range sets {
		t.Run(fs.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					if sc.needsMoveReports && !fs.feat.Changes {
						t.Skip("the store cannot report moves: the empty-mailbox guard rightly stops this")
					}
					dryThenReal(t, fs.feat, sc, false)
				})
			}
			for _, sc := range dryStates {
				t.Run(sc.name, func(t *testing.T) {
					dryThenReal(t, fs.feat, sc, strings.HasPrefix(sc.name, "never synced"))
				})
			}
		})
	}
}
