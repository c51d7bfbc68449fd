package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/ui"
	"github.com/imapdir/imapdir/internal/watch"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/syncer"
)

const watchLong = `Keep accounts (all of them when none is named) in step continuously, both
ways: a full sync at start and every full_sync_interval, and in between a sync
of each mailbox that changed — on the server (NOTIFY, or IDLE on INBOX and the
"watch" mailboxes plus a STATUS check every poll_interval) or in the Maildir
(inotify) — once no change has come for "debounce" (300 ms).

Each line on stderr says what happened (--json: one JSON object per event on
stdout: synced, new_mail, connection, error). Connections lost are redialed
forever with a growing, jittered delay. SIGINT or SIGTERM stops cleanly: what
was done is recorded and the locks are released. SIGHUP reloads the
configuration: accounts added are started, removed ones stopped, changed ones
restarted. "imapdir status" shows a running watch.

Hooks per account: post_sync_command after a sync that changed the Maildir,
new_mail_command when mail arrived (IMAPDIR_ACCOUNT, IMAPDIR_MAILBOX,
IMAPDIR_COUNT, IMAPDIR_FROM, IMAPDIR_SUBJECT, IMAPDIR_MESSAGES).`

func (st *runState) watchCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "watch [ACCOUNT...]",
		Short: "Keep accounts in step continuously (push, both ways)",
		Long:  watchLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			accts, err := st.watchAccounts(cfg, args)
			if err != nil {
				return err
			}
			return st.runWatch(cmd.Context(), accts, args)
		},
		ValidArgsFunction: st.completeAccounts,
	}
}

// watchAccounts maps the named accounts (none: all that sync) for the
// watch.
func (st *runState) watchAccounts(cfg *config.Config, names []string) ([]watch.Account, error) {
	var out []watch.Account
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		if len(names) == 0 && a.Sync == (config.SyncOps{}) {
			continue
		}
		if len(names) > 0 && !contains(names, a.Name) {
			continue
		}
		wa, err := st.watchAccount(a)
		if err != nil {
			return nil, usageErr(fmt.Errorf("account %s: %w", a.Name, err))
		}
		out = append(out, wa)
	}
	for _, n := range names {
		if _, err := st.account(cfg, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// watchAccount maps one account's configuration.
func (st *runState) watchAccount(a *config.Account) (watch.Account, error) {
	layout, err := maildir.ParseLayout(a.Layout)
	if err != nil {
		return watch.Account{}, err
	}
	folders := a.Folders
	// The listeners take their connections out of the account's cap:
	// one, and one per hot mailbox beyond INBOX without NOTIFY.
	listeners := 1 + min(len(a.Watch), max(a.Connections-2, 0))
	b := &watchBackend{st: st, acct: a, logs: st.logs(), storeConns: max(a.Connections-listeners, 1)}
	b.n.Store(100) // the listeners' connections are #101… in the trace, the stores' #1…
	return watch.Account{
		Name:        a.Name,
		Maildir:     a.Maildir,
		Layout:      layout,
		Match:       func(name string) bool { return config.Match(folders, name) },
		Hot:         append([]string{"INBOX"}, a.Watch...),
		Connections: a.Connections,
		FullSync:    a.FullSyncInterval,
		Debounce:    a.Debounce,
		IdleRestart: idleRestart(a),
		Poll:        a.PollInterval,
		Hooks:       watch.Hooks{PostSync: a.PostSyncCommand, NewMail: a.NewMailCommand, Timeout: a.HookTimeout},
		Key:         accountKey(a),
		Backend:     b,
	}, nil
}

// idleRestart is the account's IDLE restart interval: the configured one,
// else 9 minutes for Gmail and Outlook (they end idle sessions sooner than
// RFC 2177's 29 minutes), else 25.
func idleRestart(a *config.Account) time.Duration {
	if a.IdleRestart > 0 {
		return a.IdleRestart
	}
	host := strings.ToLower(a.Host)
	for _, suffix := range []string{"gmail.com", "googlemail.com", "outlook.com", "office365.com"} {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return 9 * time.Minute
		}
	}
	return 25 * time.Minute
}

// accountKey fingerprints an account's whole configuration, secrets
// included, so that a reload restarts the accounts that changed.
func accountKey(a *config.Account) string {
	h := sha256.New()
	fmt.Fprintf(h, "%#v\x00%s", *a, a.Password.Reveal())
	return hex.EncodeToString(h.Sum(nil))
}

// runWatch runs the watch until ctx ends; SIGHUP reloads.
func (st *runState) runWatch(ctx context.Context, accts []watch.Account, names []string) error {
	if len(accts) == 0 {
		return usageErr(errors.New("no account to watch (every account has sync = [\"none\"])"))
	}
	p := &eventPrinter{json: st.flags.json, out: st.stdout(), err: st.errOut(), quiet: st.flags.quiet}
	reload := make(chan []watch.Account)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	if st.app.ReloadSignal != nil {
		hup, stopHUP := st.app.ReloadSignal()
		defer stopHUP()
		go st.relayReload(rctx, hup, names, reload)
	}
	opts := watch.Options{Events: p.print, Logger: st.logs().Logger, Now: st.app.Now}
	return watch.Run(ctx, opts, accts, reload)
}

// relayReload reads the configuration again on each SIGHUP and hands the
// accounts to the watch; a bad file is reported and the watch goes on.
func (st *runState) relayReload(ctx context.Context, hup <-chan os.Signal, names []string, reload chan<- []watch.Account) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := config.Load(st.flags.config, st.app.Env)
		var accts []watch.Account
		if err == nil {
			for i := range cfg.Accounts {
				st.addSecret(&cfg.Accounts[i], cfg.Accounts[i].Password.Reveal())
			}
			accts, err = st.watchAccounts(cfg, names)
		}
		if err != nil {
			fmt.Fprintf(st.errOut(), "imapdir watch: reload refused, keeping the running configuration: %s\n", oneLine(err.Error()))
			continue
		}
		fmt.Fprintf(st.errOut(), "imapdir watch: configuration reloaded (%d accounts)\n", len(accts))
		select {
		case reload <- accts:
		case <-ctx.Done():
			return
		}
	}
}

// watchBackend opens an account's state, stores and connections for the
// watch.
type watchBackend struct {
	st         *runState
	acct       *config.Account
	logs       Logs
	n          atomic.Int32
	storeConns int // the connections left for syncs
}

// OpenState implements watch.Backend.
func (b *watchBackend) OpenState(ctx context.Context) (*statedb.DB, func() error, error) {
	near, err := openNear(ctx, b.acct, false)
	if err != nil {
		return nil, nil, err
	}
	return near.db, near.close, nil
}

// OpenEngine implements watch.Backend.
func (b *watchBackend) OpenEngine(ctx context.Context, db *statedb.DB) (watch.Engine, error) {
	acct := *b.acct
	acct.Connections = b.storeConns
	far, err := b.st.app.Backends.Far(ctx, &acct, b.logs)
	if err != nil {
		return nil, err
	}
	allMail, err := gmailMatch(ctx, &acct, far)
	if err != nil {
		far.Close()
		return nil, err
	}
	nearAcct, err := nearAccount(b.acct, allMail != nil)
	if err != nil {
		far.Close()
		return nil, err
	}
	near, err := b.st.app.Backends.Near(ctx, nearAcct, b.acct.Maildir, db, b.logs)
	if err != nil {
		far.Close()
		return nil, err
	}
	e := &watchEngine{far: far, near: near, allMail: allMail}
	opts, err := engineOptions(&acct, b.st.flags, b.st.app.Now)
	if err == nil {
		opts.LinkCopies = far.Features().GmailLabels // each X-GM-MSGID downloaded once
		if allMail != nil {
			opts.Match = allMail
		}
	}
	if err == nil {
		obs := warnObserver{log: b.logs.Logger.With("account", b.acct.Name)}
		dir, lerr := b.st.actionLogDir()
		if lerr == nil {
			obs.actions, lerr = openActionLog(dir, b.acct.Name, b.st.app.Now)
		}
		if lerr != nil {
			obs.log.Warn(lerr.Error() + "; message actions are not logged")
		}
		e.actions = obs.actions
		opts.Observer = obs
		e.Engine, err = syncer.New(far, near, db, opts)
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Dial implements watch.Backend.
func (b *watchBackend) Dial(ctx context.Context, h func(imapclient.Event), idle time.Duration) (*imapclient.Client, error) {
	return dialAccountWith(ctx, b.acct, b.logs, nil, &b.n, nil, func(o *imapclient.Options) {
		o.Handler = h
		o.IdleRestart = idle
	})
}

// watchEngine is an engine with its two stores and its action log.
type watchEngine struct {
	*syncer.Engine
	far, near store.Store
	actions   *actionLog
	// allMail is the mailbox filter of a Gmail account synced in
	// all-mail mode (gmailMatch), nil otherwise.
	allMail func(string) bool
}

// SyncMailboxes syncs the named mailboxes together. On a Gmail account
// in all-mail mode a change heard in a label folder (INBOX) is a change
// of All Mail: the whole selection (All Mail and the gmail_folders) is
// synced instead, reported under the names asked for.
func (e *watchEngine) SyncMailboxes(ctx context.Context, names []string) (syncer.Result, error) {
	all := true
	for _, n := range names {
		all = all && (e.allMail == nil || e.allMail(n))
	}
	if all {
		return e.Engine.SyncMailboxes(ctx, names)
	}
	res, err := e.Engine.SyncAccount(ctx)
	if err == nil {
		err = res.Err()
	}
	var sum syncer.MailboxReport
	for _, m := range res.Mailboxes {
		for s := syncer.Far; s <= syncer.Near; s++ {
			sum.New[s] += m.New[s]
			sum.Changed[s] += m.Changed[s]
			sum.Deleted[s] += m.Deleted[s]
		}
	}
	out := syncer.Result{}
	for i, n := range names {
		rep := syncer.MailboxReport{Mailbox: n, Err: err}
		if i == 0 {
			rep.New, rep.Changed, rep.Deleted = sum.New, sum.Changed, sum.Deleted
		}
		out.Mailboxes = append(out.Mailboxes, rep)
	}
	return out, err
}

// Close closes both stores and the action log.
func (e *watchEngine) Close() error {
	return errors.Join(e.far.Close(), e.near.Close(), e.actions.close())
}

// warnObserver shows the engine's warnings (deletions held back …) in the
// log, and writes the message actions to the account's action log (and,
// with -vv, to the log too); the watch reports the rest.
type warnObserver struct {
	syncer.NopObserver
	log     *slog.Logger
	actions *actionLog // nil: none
}

// Warn implements syncer.Observer.
func (o warnObserver) Warn(mailbox, msg string) { o.log.Warn(msg, "mailbox", mailbox) }

// Action implements syncer.ActionObserver.
func (o warnObserver) Action(a syncer.Action) {
	ua := uiAction(a)
	o.log.Info(ui.ActionLine(ua, a.DryRun))
	if o.actions != nil && !a.DryRun {
		o.actions.write(ua)
	}
}

// eventPrinter writes watch events: JSON lines on stdout, or plain lines
// on stderr.
type eventPrinter struct {
	mu    sync.Mutex
	json  bool
	quiet bool
	out   io.Writer
	err   io.Writer
}

func (p *eventPrinter) print(ev watch.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		_ = json.NewEncoder(p.out).Encode(ev)
		return
	}
	if p.quiet && ev.Kind != watch.EventError {
		return
	}
	fmt.Fprintln(p.err, plainEvent(ev))
}

// plainEvent is one line for people.
func plainEvent(ev watch.Event) string {
	where := ev.Account
	if ev.Mailbox != "" {
		where += " " + ev.Mailbox
	}
	line := ev.Time.Local().Format("15:04:05") + " " + where + ": "
	switch ev.Kind {
	case watch.EventSynced:
		what := "synced"
		if ev.Full {
			what = "full sync"
		}
		return line + what + changesText(ev)
	case watch.EventNewMail:
		s := fmt.Sprintf("%d new", ev.Count)
		if ev.From != "" || ev.Subject != "" {
			s += fmt.Sprintf(", latest from %s: %s", ev.From, ev.Subject)
		}
		return line + s
	case watch.EventConnection:
		s := ev.State
		if ev.Detail != "" {
			s += " (" + ev.Detail + ")"
		}
		if ev.Error != "" {
			s += ": " + oneLine(ev.Error)
		}
		if ev.State == "retrying" {
			s += fmt.Sprintf("; next try in %s", ev.RetryIn.Round(time.Millisecond))
		}
		return line + s
	}
	s := "error: " + oneLine(ev.Error)
	if ev.RetryIn > 0 {
		s += fmt.Sprintf("; retry in %s", ev.RetryIn.Round(time.Millisecond))
	}
	return line + s
}

func changesText(ev watch.Event) string {
	part := func(dir string, c watch.Counts) string {
		var xs []string
		for _, x := range []struct {
			n    int
			what string
		}{{c.New, "new"}, {c.Changed, "changed"}, {c.Deleted, "deleted"}} {
			if x.n > 0 {
				xs = append(xs, fmt.Sprintf("%d %s", x.n, x.what))
			}
		}
		if len(xs) == 0 {
			return ""
		}
		return dir + " " + strings.Join(xs, ", ")
	}
	var parts []string
	for _, s := range []string{part("pulled", ev.Pulled), part("pushed", ev.Pushed)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ", no changes"
	}
	return ": " + strings.Join(parts, "; ")
}
