package watch

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// maxMailboxAttempts: a mailbox sync failing this many times in a row is
// left to the next full sync (a mailbox gone from both sides, say).
const maxMailboxAttempts = 6

// account is one watched account.
type account struct {
	Account
	opts *Options
	log  *slog.Logger
	srv  *inbox
	hook *hooks
	stat *statusWriter // nil until the lock is held

	kickMu  sync.Mutex
	kickCh  chan struct{} // closed and replaced by kick
	jumped  chan struct{} // tells the loop
	trouble chan struct{} // a listener lost its connection: the sync's may be dead too
}

func newAccount(a Account, opts *Options) *account {
	acc := &account{Account: a, opts: opts, log: opts.Logger.With("account", a.Name), srv: newInbox(),
		kickCh: make(chan struct{}), jumped: make(chan struct{}, 1), trouble: make(chan struct{}, 1)}
	acc.hook = newHooks(acc)
	return acc
}

// kick reacts to a clock jump: listeners redial at once, and a full sync
// follows.
func (a *account) kick() {
	a.kickMu.Lock()
	close(a.kickCh)
	a.kickCh = make(chan struct{})
	a.kickMu.Unlock()
	select {
	case a.jumped <- struct{}{}:
	default:
	}
}

func (a *account) kicked() <-chan struct{} {
	a.kickMu.Lock()
	defer a.kickMu.Unlock()
	return a.kickCh
}

// emit stamps and sends an event.
func (a *account) emit(ev Event) {
	ev.Time = a.opts.Now()
	ev.Account = a.Name
	if a.stat != nil {
		a.stat.event(ev)
	}
	a.opts.Events(ev)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// run watches the account until ctx ends; its last event says it
// stopped, with the lock released.
func (a *account) run(ctx context.Context) {
	db, release := a.openState(ctx)
	if db == nil {
		return
	}
	a.stat = newStatusWriter(a.Maildir, a.opts.Now())
	a.stat.write()
	a.watch(ctx, db)
	a.stat.remove()
	a.stat = nil // nothing else emits now
	if err := release(); err != nil {
		a.emit(Event{Kind: EventError, Error: "closing the state: " + err.Error()})
	}
	a.emit(Event{Kind: EventConnection, State: "stopped"})
}

// watch runs the listeners, the Maildir watch and the loop until ctx ends.
func (a *account) watch(ctx context.Context, db *statedb.DB) {
	loc, err := startLocal(ctx, a.Maildir, a.Layout)
	if err != nil {
		a.emit(Event{Kind: EventError, Error: "watching the Maildir: " + err.Error()})
	}
	lctx, stopListening := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go a.listen(lctx, "", &wg)
	l := &loop{account: a, db: db, loc: loc}
	l.run(ctx)
	stopListening()
	wg.Wait()
	a.hook.wait()
	if loc != nil {
		loc.Close()
	}
}

// openState takes the lock, retrying with backoff while another run holds
// it; nil when ctx ended first.
func (a *account) openState(ctx context.Context) (*statedb.DB, func() error) {
	for attempt := 0; ; attempt++ {
		db, release, err := a.Backend.OpenState(ctx)
		if err == nil {
			return db, release
		}
		delay := a.opts.Backoff.Delay(attempt)
		a.emit(Event{Kind: EventError, Error: err.Error(), RetryIn: delay})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
}

// pending is a mailbox waiting for its sync.
type pending struct {
	first, last time.Time // first and last event since its last sync
	notBefore   time.Time // backoff after failures
	attempt     int       // failures in a row
	modseq      uint64    // highest HIGHESTMODSEQ the server reported
	needed      bool      // an event without modseq: sync whatever the state says
}

// job is one sync: the whole account, or some mailboxes one after another.
type job struct {
	full      bool
	mailboxes []string
}

// jobResult is what a job did.
type jobResult struct {
	job     job
	started time.Time
	reports []report
	err     error // store-wide failure or cancellation
}

// loop is an account's scheduler; only its goroutine touches its fields.
type loop struct {
	*account
	db  *statedb.DB
	loc *localWatch

	dirty       map[string]*pending
	fullDue     time.Time
	fullAttempt int
	running     bool
	suspect     map[string]bool // mailboxes with local events during a sync
	suspectDirs bool            // folders appeared or vanished during a sync
	eng         Engine          // open between syncs; only the worker uses it meanwhile
	cancelJob   context.CancelFunc
	lastJob     time.Time // when the last job ended
}

func (l *loop) run(ctx context.Context) {
	l.dirty, l.suspect = map[string]*pending{}, map[string]bool{}
	l.fullDue = time.Now()
	done := make(chan jobResult, 1)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var localCh <-chan struct{}
	if l.loc != nil {
		localCh = l.loc.Changes()
	}
	for {
		select {
		case <-ctx.Done():
			if l.running {
				<-done // the job's context is ctx: it ends promptly
			}
			l.closeEngine()
			return
		case <-l.srv.wake:
			l.fromServer()
		case <-localCh:
			l.fromLocal(ctx)
		case <-l.jumped:
			l.fullDue = time.Now()
		case <-l.trouble:
			l.dropEngine()
		case r := <-done:
			l.running = false
			l.lastJob = time.Now()
			l.cancelJob()
			l.finished(ctx, r)
		case <-timer.C:
		}
		if !l.running && l.eng != nil && time.Since(l.lastJob) >= l.opts.EngineLinger {
			l.dropEngine() // idle: keep only the listening connection
		}
		if !l.running {
			if j, ok := l.next(ctx); ok {
				l.running = true
				jctx, cancel := context.WithCancel(ctx)
				l.cancelJob = cancel
				go func() { done <- l.work(jctx, j) }()
			}
		}
		timer.Reset(l.wait())
	}
}

// mark records an event for mailbox.
func (l *loop) mark(name string, modseq uint64) {
	now := time.Now()
	p := l.dirty[name]
	if p == nil {
		p = &pending{first: now}
		l.dirty[name] = p
	}
	p.last = now
	if modseq == 0 {
		p.needed = true
	}
	p.modseq = max(p.modseq, modseq)
}

func (l *loop) fromServer() {
	names, full := l.srv.take()
	for n, ms := range names {
		l.mark(n, ms)
	}
	if full {
		l.log.Debug("full sync due: the server reported a mailbox created, deleted or renamed, or a reconnection")
		l.fullDue = time.Now()
	}
}

func (l *loop) fromLocal(ctx context.Context) {
	names, full := l.loc.Take()
	if l.running { // perhaps our own writes: judged when the sync is over
		for _, n := range names {
			l.suspect[n] = true
		}
		l.suspectDirs = l.suspectDirs || full
		return
	}
	for _, n := range names {
		if l.Match(n) {
			l.mark(n, 0)
		}
	}
	if full && !foldersSettled(ctx, l.db, l.Maildir, l.Layout, l.Match) {
		l.log.Debug("full sync due: Maildir folders appeared or vanished")
		l.fullDue = time.Now()
	}
}

// next picks the job to run now, if any.
func (l *loop) next(ctx context.Context) (job, bool) {
	now := time.Now()
	if !now.Before(l.fullDue) {
		return job{full: true}, true
	}
	var names []string
	for n, p := range l.dirty {
		if !l.ready(p, now) {
			continue
		}
		if !p.needed && l.recorded(ctx, n, p.modseq) {
			delete(l.dirty, n) // the server reported what we synced already
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return job{mailboxes: names}, len(names) > 0
}

// ready reports whether p's debounce (and backoff) is over.
func (l *loop) ready(p *pending, now time.Time) bool {
	if now.Before(p.notBefore) {
		return false
	}
	return !now.Before(p.last.Add(l.Debounce)) || !now.Before(p.first.Add(l.MaxDelay))
}

// recorded reports whether the state database holds mailbox's far side at
// modseq or later.
func (l *loop) recorded(ctx context.Context, mailbox string, modseq uint64) bool {
	var got uint64
	err := l.db.View(ctx, func(tx *statedb.Tx) error {
		mbs, err := tx.Mailboxes()
		for _, mb := range mbs {
			if mb.FarName == mailbox {
				got = mb.FarHighestModSeq
			}
		}
		return err
	})
	return err == nil && modseq != 0 && got >= modseq
}

// wait returns how long until the next job may be due.
func (l *loop) wait() time.Duration {
	if l.running {
		return time.Hour // the job's end wakes the loop
	}
	now := time.Now()
	at := l.fullDue
	if l.eng != nil && l.lastJob.Add(l.opts.EngineLinger).Before(at) {
		at = l.lastJob.Add(l.opts.EngineLinger)
	}
	for _, p := range l.dirty {
		due := p.last.Add(l.Debounce)
		if capAt := p.first.Add(l.MaxDelay); capAt.Before(due) {
			due = capAt
		}
		if p.notBefore.After(due) {
			due = p.notBefore
		}
		if due.Before(at) {
			at = due
		}
	}
	return max(at.Sub(now), 0)
}

// finished takes a job's results: events, hooks, retries, and the judging
// of local events seen during it.
func (l *loop) finished(ctx context.Context, r jobResult) {
	l.settle(ctx) // first: what it marks must outlive the reports' clean-up
	now := time.Now()
	if r.job.full {
		l.fullFinished(r, now)
	}
	for _, rep := range r.reports {
		l.reported(rep, r.job.full, now)
	}
	if r.err != nil && !r.job.full {
		for _, n := range r.job.mailboxes {
			l.retry(n, r.err, now)
		}
	}
	l.hook.afterSync(r.reports)
}

func (l *loop) fullFinished(r jobResult, now time.Time) {
	if r.err != nil {
		delay := l.opts.Backoff.Delay(l.fullAttempt)
		l.fullAttempt++
		l.fullDue = now.Add(delay)
		if ctxErr(r.err) {
			return
		}
		l.emit(Event{Kind: EventError, Full: true, Error: r.err.Error(), RetryIn: delay})
		return
	}
	l.fullAttempt = 0
	l.fullDue = now.Add(l.FullSync)
	var ev Event
	for _, rep := range r.reports {
		ev.Pulled = add(ev.Pulled, rep.pulled)
		ev.Pushed = add(ev.Pushed, rep.pushed)
	}
	ev.Kind, ev.Full = EventSynced, true
	l.emit(ev)
	for n, p := range l.dirty {
		if !p.last.After(r.started) && p.attempt == 0 {
			delete(l.dirty, n) // the full sync took it
		}
	}
}

func add(a, b Counts) Counts {
	return Counts{New: a.New + b.New, Changed: a.Changed + b.Changed, Deleted: a.Deleted + b.Deleted}
}

// reported handles one mailbox's outcome.
func (l *loop) reported(rep report, full bool, now time.Time) {
	if rep.err != nil {
		l.retry(rep.mailbox, rep.err, now)
		return
	}
	if p := l.dirty[rep.mailbox]; p != nil && !p.last.After(rep.started) {
		delete(l.dirty, rep.mailbox)
	} else if p != nil { // changed again during the sync: a fresh debounce
		p.attempt, p.notBefore, p.first = 0, time.Time{}, p.last
	}
	if !full {
		l.emit(Event{Kind: EventSynced, Mailbox: rep.mailbox, Pulled: rep.pulled, Pushed: rep.pushed})
	}
	if rep.newMail.Count > 0 {
		ev := rep.newMail
		ev.Kind, ev.Mailbox = EventNewMail, rep.mailbox
		l.emit(ev)
	}
}

// retry schedules mailbox again after a failure.
func (l *loop) retry(mailbox string, err error, now time.Time) {
	if ctxErr(err) {
		return
	}
	p := l.dirty[mailbox]
	if p == nil {
		p = &pending{first: now, last: now}
		l.dirty[mailbox] = p
	}
	p.needed = true
	delay := l.opts.Backoff.Delay(p.attempt)
	p.attempt++
	p.notBefore = now.Add(delay)
	if p.attempt >= maxMailboxAttempts {
		delete(l.dirty, mailbox) // the next full sync tries again
		delay = time.Until(l.fullDue)
	}
	l.emit(Event{Kind: EventError, Mailbox: mailbox, Error: err.Error(), RetryIn: delay})
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || store.ScopeOf(err) == store.ScopeCanceled
}

// settle judges the local events seen during the sync just finished:
// after a barrier has collected the last of them, a folder that matches
// the Maildir store's index is settled; another is synced again.
func (l *loop) settle(ctx context.Context) {
	if l.loc == nil {
		return
	}
	if err := l.loc.Barrier(); err != nil {
		l.log.Warn("inotify barrier", "err", err)
	}
	names, full := l.loc.Take()
	for _, n := range names {
		l.suspect[n] = true
	}
	if (full || l.suspectDirs) && !foldersSettled(ctx, l.db, l.Maildir, l.Layout, l.Match) {
		l.log.Debug("full sync due: Maildir folders appeared or vanished during the sync")
		l.fullDue = time.Now()
	}
	for n := range l.suspect {
		if l.Match(n) && !settled(ctx, l.db, l.Maildir, l.Layout, n) {
			l.mark(n, 0)
		}
	}
	l.suspect, l.suspectDirs = map[string]bool{}, false
}

// dropEngine reacts to a listener's lost connection: a running sync is
// canceled (its connections take the same path and may hang on a dead
// link), and the engine's connections are replaced for the next sync.
func (l *loop) dropEngine() {
	if l.running {
		l.cancelJob() // the job's error closes the engine
		return
	}
	if eng := l.eng; eng != nil {
		l.eng = nil
		go eng.Close() // a LOGOUT on a dead link waits; the loop does not
	}
}

func (l *loop) closeEngine() {
	if l.eng != nil {
		l.eng.Close()
		l.eng = nil
	}
}
