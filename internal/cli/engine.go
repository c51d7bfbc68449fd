package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/ui"
	"github.com/imapdir/imapdir/syncer"
)

// engineOptions turns an account's configuration and the global flags into
// the engine's options.
func engineOptions(acct *config.Account, f globalFlags, now func() time.Time) (syncer.Options, error) {
	o := syncer.DefaultOptions()
	o.Account = acct.Name
	plan, err := planOptions(acct.ForMailbox(""), now())
	if err != nil {
		return o, err
	}
	o.PlanOptions = plan
	if len(acct.Mailboxes) > 0 {
		own := map[string]syncer.PlanOptions{}
		for name, ms := range acct.Mailboxes {
			if own[name], err = planOptions(ms, now()); err != nil {
				return o, fmt.Errorf("mailbox %q: %w", name, err)
			}
		}
		o.ForMailbox = func(name string) syncer.PlanOptions {
			if p, ok := own[name]; ok {
				return p
			}
			return plan
		}
	}
	o.DeleteGuardAccount = acct.DeleteGuardAccount
	o.Force = f.force
	folders := acct.Folders
	o.Match = func(name string) bool { return config.Match(folders, name) }
	o.Create = [2]bool{syncer.Far: acct.Create.Far(), syncer.Near: acct.Create.Near()}
	o.DeleteEmpty = acct.Remove != config.SidesNone
	if acct.Connections > 0 {
		o.Connections = acct.Connections
	}
	o.DryRun = f.dryRun
	o.Full = f.full
	o.Now = now
	return o, nil
}

// planOptions turns one mailbox's settings (or the account's) into the
// planner's rules; Force is set by the caller.
func planOptions(ms config.MailboxSettings, now time.Time) (syncer.PlanOptions, error) {
	exp, err := syncer.ParseExpunge(string(ms.Expunge))
	if err != nil {
		return syncer.PlanOptions{}, fmt.Errorf("expunge: %w", err)
	}
	return syncer.PlanOptions{
		Sync:               syncer.Direction{Pull: what(ms.Sync.Pull), Push: what(ms.Sync.Push)},
		Expunge:            exp,
		MaxSize:            ms.MaxSize,
		MaxAge:             maxAge(ms, now),
		DeleteGuardPercent: ms.DeleteGuardPercent,
		DeleteGuardCount:   ms.DeleteGuardCount,
	}, nil
}

// what converts one direction's switches.
func what(c config.Changes) syncer.What {
	var w syncer.What
	if c.New {
		w |= syncer.SyncNew
	}
	if c.Flags {
		w |= syncer.SyncFlags
	}
	if c.Delete {
		w |= syncer.SyncGone
	}
	return w
}

// maxAge is a mailbox's (or the account's) age limit; a start_date becomes the age it has
// at now.
func maxAge(ms config.MailboxSettings, now time.Time) time.Duration {
	if !ms.StartDate.IsZero() {
		if d := now.Sub(ms.StartDate); d > 0 {
			return d
		}
		return time.Nanosecond // a start date in the future admits nothing new
	}
	return ms.MaxAge
}

// observer adapts the engine's Observer to a ui.Reporter for one account.
type observer struct {
	account string
	rep     ui.Reporter
	log     *slog.Logger

	mu   sync.Mutex
	done map[string]bool // mailboxes whose MailboxDone was reported

	changes atomic.Int64 // changes made, for the interrupted line
	held    atomic.Int64 // mailboxes a safety rule held back, for ExitHeld

	actions *actionLog // nil: no action log (dry run, or it cannot be opened)
}

func newObserver(account string, rep ui.Reporter, log *slog.Logger) *observer {
	return &observer{account: account, rep: rep, log: log, done: map[string]bool{}}
}

// reported says whether mailbox's outcome was shown by MailboxDone.
func (o *observer) reported(mailbox string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done[mailbox]
}

// MailboxStart implements syncer.Observer: the copies both ways are the
// work the bars count.
func (o *observer) MailboxStart(s syncer.MailboxStart) {
	n := s.Copies[syncer.Far] + s.Copies[syncer.Near]
	b := s.Bytes[syncer.Far] + s.Bytes[syncer.Near]
	o.rep.MailboxStart(o.account, s.Mailbox, n, b)
}

// Progress implements syncer.Observer.
func (o *observer) Progress(mailbox string, _ syncer.Side, bytes int64) {
	o.rep.Progress(o.account, mailbox, 1, bytes)
}

// MailboxDone implements syncer.Observer.
func (o *observer) MailboxDone(r syncer.MailboxReport) {
	o.mu.Lock()
	o.done[r.Mailbox] = true
	o.mu.Unlock()
	stats := mailboxStats(r)
	o.changes.Add(int64(stats.Changes()))
	if r.Held != nil || errors.Is(r.Err, syncer.ErrRefused) {
		o.held.Add(1)
	}
	err := flat(r.Err)
	switch {
	case errors.Is(err, context.Canceled):
		err = nil // interrupted, not failed: what it did is recorded and shown
		stats.Interrupted = true
	case errors.Is(err, syncer.ErrRefused):
		err = ui.Refused(err) // held back, not failed
	}
	o.rep.MailboxDone(o.account, r.Mailbox, stats, err)
}

// Warn implements syncer.Observer.
func (o *observer) Warn(mailbox, msg string) { o.rep.Warn(o.account, mailbox, msg) }

// Note implements syncer.Observer: mailbox-level detail, shown with -v.
func (o *observer) Note(mailbox, msg string) { o.rep.Note(o.account, mailbox, msg) }

// Action implements syncer.ActionObserver: a line with -vv, and one in
// the account's action log (not for a dry run).
func (o *observer) Action(a syncer.Action) {
	ua := uiAction(a)
	o.rep.Action(o.account, ua)
	if o.actions != nil && !a.DryRun {
		o.actions.write(ua)
	}
}

// uiAction converts an engine action to the neutral form.
func uiAction(a syncer.Action) ui.Action {
	verb := map[syncer.ActionKind]string{syncer.ActionFlags: "flag", syncer.ActionDelete: "delete", syncer.ActionMove: "move"}[a.Kind]
	if a.Kind == syncer.ActionCopy {
		verb = "pull"
		if a.To == syncer.Far {
			verb = "push"
		}
	}
	return ui.Action{Mailbox: a.Mailbox, Verb: verb, Side: a.To.String(), UID: uint32(a.UID), NewUID: uint32(a.NewUID),
		MessageID: a.MessageID, Subject: a.Subject, Add: a.Add.String(), Remove: a.Remove.String(), Dest: a.Dest}
}

// Error implements syncer.Observer. It only logs (-vv): a mailbox's failure
// is shown by its MailboxDone, and an account-wide one by the caller, from
// the error the engine returns.
func (o *observer) Error(mailbox string, err error) {
	o.log.Debug("failed", "account", o.account, "mailbox", mailbox, "err", err)
}

// flatError is an error shown on one line; it wraps the original.
type flatError struct{ err error }

// Error returns the cause's text on one line.
func (f flatError) Error() string { return oneLine(f.err.Error()) }

// Unwrap returns the cause.
func (f flatError) Unwrap() error { return f.err }

// flat returns err shown on one line (nil stays nil). A connection
// failure the CLI explained is shown alone, without the layers that
// wrapped it on the way up.
func flat(err error) error {
	var f flatError
	var ce *connectError
	switch {
	case err == nil || errors.As(err, &f):
		return err
	case errors.As(err, &ce):
		return flatError{ce}
	}
	return flatError{err}
}

// mailboxStats converts an engine report: pull is what changed on the near
// side, push what changed on the far side.
func mailboxStats(r syncer.MailboxReport) ui.MailboxStats {
	side := func(s syncer.Side) ui.Counts {
		return ui.Counts{New: r.New[s], Changed: r.Changed[s], Deleted: r.Deleted[s], Moved: r.Moved[s]}
	}
	st := ui.MailboxStats{
		Pull:      side(syncer.Near),
		Push:      side(syncer.Far),
		Conflicts: r.Conflicts,
		Skipped:   len(r.Skipped),
		Errors:    r.Failed,
	}
	if r.Held != nil {
		st.Held = r.Held.Count[syncer.Far] + r.Held.Count[syncer.Near]
	}
	return st
}
