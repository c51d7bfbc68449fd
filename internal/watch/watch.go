package watch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/syncer"
)

// Engine is what a sync runs on: syncer.Engine over the account's two
// stores, with Close releasing the stores.
type Engine interface {
	SyncAccount(ctx context.Context) (syncer.Result, error)
	// SyncMailboxes syncs the named mailboxes together (moves between
	// them stay moves); see syncer.Engine.SyncMailboxes.
	SyncMailboxes(ctx context.Context, names []string) (syncer.Result, error)
	Close() error
}

// Backend opens what an account's watch talks to.
type Backend interface {
	// OpenState takes the account lock and opens the state database;
	// release closes both. A lock held by another run is an error (the
	// watch retries).
	OpenState(ctx context.Context) (db *statedb.DB, release func() error, err error)
	// OpenEngine opens the two stores and an engine over db.
	OpenEngine(ctx context.Context, db *statedb.DB) (Engine, error)
	// Dial connects and logs in one connection to the server; h receives
	// its events. idleRestart is the IDLE restart interval.
	Dial(ctx context.Context, h func(imapclient.Event), idleRestart time.Duration) (*imapclient.Client, error)
}

// Hooks are an account's commands run after syncs ("sh -c").
type Hooks struct {
	// PostSync runs after a sync that changed the Maildir.
	PostSync string
	// NewMail runs when new messages arrived from the server, with
	// IMAPDIR_ACCOUNT, IMAPDIR_MAILBOX, IMAPDIR_COUNT, IMAPDIR_FROM,
	// IMAPDIR_SUBJECT (of the newest) and IMAPDIR_MESSAGES (one
	// "From<TAB>Subject" line per new message, at most 20) in its
	// environment.
	NewMail string
	// Timeout bounds one run (default 60 s); the command is then killed.
	Timeout time.Duration
}

// Account is one account to watch.
type Account struct {
	Name    string
	Maildir string
	Layout  maildir.Layout
	// Match selects the mailboxes synchronized (nil: all).
	Match func(name string) bool
	// Hot are the mailboxes idled on when the server lacks NOTIFY; INBOX
	// is always one.
	Hot []string
	// Connections caps the connections to the server (default 4).
	Connections int

	FullSync    time.Duration // full sync interval (default 30 min)
	Debounce    time.Duration // quiet time before a sync (default 300 ms)
	MaxDelay    time.Duration // longest wait under a steady stream (default 3 s)
	IdleRestart time.Duration // IDLE re-issued after this (default 25 min)
	Poll        time.Duration // STATUS check without NOTIFY, and NOOP liveness check (default 5 min)
	Hooks       Hooks

	// Key identifies the configuration: Reload restarts the account when
	// it changes.
	Key     string
	Backend Backend
}

// Options configures a Watcher.
type Options struct {
	// Events receives what happens; it is called from many goroutines
	// and must not block for long. Nil discards.
	Events func(Event)
	// Logger receives detail (debug).
	Logger *slog.Logger
	// Now is the wall clock, nil meaning time.Now; tests move it to fake
	// a suspend/resume.
	Now func() time.Time
	// JumpCheck is how often the wall clock is compared with the
	// monotonic one (default 10 s); a difference above JumpThreshold
	// (default 30 s) is a suspend/resume or a clock change.
	JumpCheck     time.Duration
	JumpThreshold time.Duration
	// Backoff paces retries of failed syncs and reconnections (default
	// 1 s doubling up to 5 min).
	Backoff Backoff
	// LivenessTimeout bounds the NOOP that checks a listening connection
	// (default 30 s).
	LivenessTimeout time.Duration
	// EngineLinger is how long the stores' connections stay open after a
	// sync (default 1 min): a burst of changes reuses them, an idle account
	// keeps only its listening connection.
	EngineLinger time.Duration
}

func (o *Options) defaults() {
	if o.Events == nil {
		o.Events = func(Event) {}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.JumpCheck <= 0 {
		o.JumpCheck = 10 * time.Second
	}
	if o.JumpThreshold <= 0 {
		o.JumpThreshold = 30 * time.Second
	}
	if o.Backoff.Base <= 0 {
		o.Backoff.Base = time.Second
	}
	if o.Backoff.Max < o.Backoff.Base {
		o.Backoff.Max = max(5*time.Minute, o.Backoff.Base)
	}
	if o.LivenessTimeout <= 0 {
		o.LivenessTimeout = 30 * time.Second
	}
	if o.EngineLinger <= 0 {
		o.EngineLinger = time.Minute
	}
}

func (a *Account) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&a.FullSync, 30*time.Minute)
	def(&a.Debounce, 300*time.Millisecond)
	def(&a.MaxDelay, max(3*time.Second, 10*a.Debounce))
	def(&a.IdleRestart, 25*time.Minute)
	def(&a.Poll, 5*time.Minute)
	def(&a.Hooks.Timeout, time.Minute)
	if a.Connections <= 0 {
		a.Connections = 4
	}
	if a.Match == nil {
		a.Match = func(string) bool { return true }
	}
}

// Run watches accounts until ctx ends, then stops every account (running
// syncs are canceled; the engine's intent rules keep that safe) and
// returns once each has released its lock. Each value received on reload
// replaces the set of accounts: accounts gone are stopped, new ones
// started, and those whose Key changed restarted.
func Run(ctx context.Context, opts Options, accounts []Account, reload <-chan []Account) error {
	opts.defaults()
	w := &watcher{opts: opts, running: map[string]*runningAccount{}}
	jumps := w.startJumpCheck(ctx)
	netctx, stopNet := context.WithCancel(ctx)
	defer stopNet()
	netChanges, err := watchNetwork(netctx)
	if err != nil {
		opts.Logger.Info("network changes will be noticed by keepalive only", "err", err)
	}
	w.apply(ctx, accounts)
	for {
		select {
		case <-ctx.Done():
			w.stopAll()
			return nil
		case accts := <-reload:
			w.apply(ctx, accts)
		case <-jumps:
			w.kickAll()
		case _, ok := <-netChanges:
			if !ok {
				netChanges = nil
				continue
			}
			opts.Logger.Info("a network address went away; re-checking every account")
			w.kickAll()
		}
	}
}

// watcher is Run's state.
type watcher struct {
	opts    Options
	running map[string]*runningAccount
}

// runningAccount is one account's goroutine.
type runningAccount struct {
	key    string
	acct   *account
	cancel context.CancelFunc
	done   chan struct{}
}

// apply starts, stops and restarts accounts to match accts.
func (w *watcher) apply(ctx context.Context, accts []Account) {
	want := map[string]Account{}
	for _, a := range accts {
		want[a.Name] = a
	}
	for name, r := range w.running {
		if a, ok := want[name]; !ok || a.Key != r.key {
			r.stop()
			delete(w.running, name)
		}
	}
	for _, a := range accts {
		if _, ok := w.running[a.Name]; ok {
			continue
		}
		a.defaults()
		actx, cancel := context.WithCancel(ctx)
		r := &runningAccount{key: a.Key, acct: newAccount(a, &w.opts), cancel: cancel, done: make(chan struct{})}
		go func() {
			defer close(r.done)
			r.acct.run(actx)
		}()
		w.running[a.Name] = r
	}
}

func (r *runningAccount) stop() {
	r.cancel()
	<-r.done
}

// stopAll stops every account at once and waits for all.
func (w *watcher) stopAll() {
	var wg sync.WaitGroup
	for _, r := range w.running {
		wg.Add(1)
		go func() { defer wg.Done(); r.stop() }()
	}
	wg.Wait()
}

// kickAll tells every account the clock jumped.
func (w *watcher) kickAll() {
	for _, r := range w.running {
		r.acct.kick()
	}
}

// startJumpCheck reports wall-clock jumps: a suspend/resume moves the wall
// clock and not the monotonic one.
func (w *watcher) startJumpCheck(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		t := time.NewTicker(w.opts.JumpCheck)
		defer t.Stop()
		wall, mono := w.opts.Now(), time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			nowWall, nowMono := w.opts.Now(), time.Now()
			drift := nowWall.Round(0).Sub(wall.Round(0)) - nowMono.Sub(mono)
			wall, mono = nowWall, nowMono
			if drift > w.opts.JumpThreshold || drift < -w.opts.JumpThreshold {
				w.opts.Logger.Info("wall clock jumped; re-checking every account", "by", drift)
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}
