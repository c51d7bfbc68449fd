package syncer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Options configure an Engine. Start from DefaultOptions.
type Options struct {
	PlanOptions
	// Account names the account in messages.
	Account string
	// Match selects the mailboxes to synchronize by neutral name (the
	// config's include/exclude patterns); nil selects all.
	Match func(name string) bool
	// Create[s] creates on side s the selected mailboxes that exist only
	// on the other side.
	Create [2]bool
	// DeleteEmpty propagates the deletion of a mailbox whose counterpart is
	// empty; a mailbox that still holds mail is never deleted.
	DeleteEmpty bool
	// Connections caps the mailbox pairs synchronized at once.
	Connections int
	// BatchMessages and BatchBytes bound a copy batch: its intents are
	// committed together, its appends flushed together and resolved in
	// one transaction.
	BatchMessages int
	BatchBytes    int64
	// WindowMessages bounds the new messages of one side planned at once
	// when a side is listed in full (window.go); 0 means
	// DefaultWindowMessages.
	WindowMessages int
	// DryRun plans and reports ("would …") without changing any store or
	// the state database.
	DryRun bool
	// Full ignores the recorded checkpoints: both sides are listed in full
	// and compared with the state, as on a first run (the checkpoints are
	// recorded again at the end). For a user who suspects that something
	// was missed; it costs a listing of every mailbox.
	Full bool
	// ForMailbox, when set, returns the plan options of the mailbox pair
	// with this (near) name: per-mailbox settings. Nil: PlanOptions for
	// every mailbox. Force is the run's whatever it returns.
	ForMailbox func(name string) PlanOptions
	// Names pairs far mailboxes with near mailboxes of other names; the
	// zero value pairs equal names only.
	Names NameMap
	// Observer receives progress and results; nil means NopObserver.
	Observer Observer
	// Now is the clock for max-age limits; nil means time.Now.
	Now func() time.Time
	// LinkCopies: a far message with a stable id (X-GM-MSGID) already
	// copied into another near mailbox is added to the near side as a
	// link to that copy (store.Linker) instead of being downloaded again.
	// Copies to the near side then run one batch at a time across the
	// account, so that a message new in several mailboxes at once is
	// downloaded by the first and linked by the others.
	LinkCopies bool
	// DeleteGuardAccount caps the messages one run deletes across the
	// account (both sides counted): the mailbox whose deletions would pass
	// the cap holds them back, and so does every later mailbox (mailboxes
	// are admitted in name order: see accountGuard) and run until a run
	// with Force. 0: no account-wide cap.
	DeleteGuardAccount int
}

// DefaultOptions returns two-way sync of everything with the default
// deletion guard, mailboxes created on both sides, DefaultConnections.
func DefaultOptions() Options {
	return Options{
		PlanOptions:   DefaultPlanOptions(),
		Create:        [2]bool{true, true},
		DeleteEmpty:   true,
		Connections:   DefaultConnections,
		BatchMessages: DefaultBatchMessages,
		BatchBytes:    DefaultBatchBytes,

		WindowMessages: DefaultWindowMessages,

		DeleteGuardAccount: DefaultDeleteGuardAccount,
	}
}

// Engine synchronizes the mailboxes of two stores, far and near, keeping
// what they agreed on in a state database. One Engine serves one account;
// the caller holds the account lock (statedb.AcquireLock) while it runs.
// An Engine is safe for concurrent use, but two syncs of the same mailbox
// must not overlap (the caller serializes them, e.g. the watch daemon).
type Engine struct {
	st [2]store.Store
	db *statedb.DB
	// names, when the options map names, is st[Far] (see NameMap).
	names *farNames
	opts  Options
	obs   Observer
	// dry holds the renames a dry run plans (dryrun.go).
	dry dryRenames
	// beforeCommit, set by tests only, is called before each state
	// transaction; an error makes the transaction fail (crash injection).
	beforeCommit func() error
	// linkMu serialises the copies to the near side under LinkCopies.
	linkMu sync.Mutex
}

// New returns an engine over far and near with state in db.
func New(far, near store.Store, db *statedb.DB, opts Options) (*Engine, error) {
	if far == nil || near == nil || db == nil {
		return nil, errors.New("syncer: New needs two stores and a state database")
	}
	if opts.Connections <= 0 {
		opts.Connections = DefaultConnections
	}
	if opts.BatchMessages <= 0 {
		opts.BatchMessages = DefaultBatchMessages
	}
	if opts.WindowMessages <= 0 {
		opts.WindowMessages = DefaultWindowMessages
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	if opts.DeleteGuardPercent <= 0 {
		opts.DeleteGuardPercent = DefaultDeleteGuardPercent
	}
	if opts.DeleteGuardCount < 0 {
		opts.DeleteGuardCount = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	obs := opts.Observer
	if obs == nil {
		obs = NopObserver{}
	}
	e := &Engine{st: [2]store.Store{far, near}, db: db, opts: opts, obs: obs}
	if len(opts.Names.Explicit) > 0 || opts.Names.SpecialUse {
		e.names = newFarNames(far, opts.Names)
		e.st[Far] = e.names
	}
	return e, nil
}

// errDryRunWrite: something tried to change a store or the state under
// DryRun (an internal error: the dry-run paths never do).
var errDryRunWrite = errors.New("syncer: internal error: write under dry run")

// planOptions returns the plan options of the mailbox pair named name.
func (e *Engine) planOptions(name string) PlanOptions {
	if e.opts.ForMailbox == nil {
		return e.opts.PlanOptions
	}
	o := e.opts.ForMailbox(name)
	o.Force = e.opts.Force
	if o.DeleteGuardPercent <= 0 {
		o.DeleteGuardPercent = DefaultDeleteGuardPercent
	}
	o.DeleteGuardCount = max(o.DeleteGuardCount, 0)
	return o
}

// update runs fn in one state transaction (never under DryRun).
func (e *Engine) update(ctx context.Context, fn func(tx *statedb.Tx) error) error {
	if e.opts.DryRun {
		return errDryRunWrite
	}
	if e.beforeCommit != nil {
		if err := e.beforeCommit(); err != nil {
			return fmt.Errorf("syncer: state commit: %w", err)
		}
	}
	return e.db.Update(ctx, fn)
}

func (e *Engine) note(mailbox, msg string) { e.obs.Note(mailbox, msg) }
func (e *Engine) warn(mailbox, msg string) { e.obs.Warn(mailbox, msg) }

// ErrRefused is matched (errors.Is) by the error of a mailbox that a
// safety rule stopped rather than a failure: a near mailbox found empty or
// missing while the state says it held mail. Nothing was changed in it.
var ErrRefused = errors.New("refused by a safety rule")

// refusal is a mailbox error that matches ErrRefused.
type refusal struct{ error }

func (r refusal) Unwrap() error        { return r.error }
func (r refusal) Is(target error) bool { return target == ErrRefused }

// refusef is errorf for a refusal (ErrRefused).
func (e *Engine) refusef(mailbox string, format string, args ...any) error {
	return refusal{e.errorf(mailbox, format, args...)}
}

// errorf builds a mailbox-scoped error naming the account and mailbox.
func (e *Engine) errorf(mailbox string, format string, args ...any) error {
	return store.Errorf(store.ScopeMailbox, false, "sync", mailbox, 0,
		"account %q: "+format, append([]any{e.opts.Account}, args...)...)
}
