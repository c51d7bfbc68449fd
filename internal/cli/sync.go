package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/ui"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/syncer"
)

const syncLong = `Synchronize accounts (all of them when none is named), or single mailboxes
named ACCOUNT:MAILBOX (mailbox names as in "imapdir list", "/" between levels).

Progress shows as bars on a terminal and as plain lines otherwise (--json: one
JSON object per event). A line tells what changed in each mailbox where
something happened (-v: in every mailbox, with mailbox events such as
"created"); -vv adds a line per message pulled, pushed, flagged, deleted or
moved (UID, Message-ID, subject), -vvv the protocol trace. Each account ends
with a summary per mailbox.

With --dry-run nothing changes, on the server or on disk, and the output says
what the real run would do from the same state: mailboxes to create, messages
to copy, flag, delete or move, deletions the guards would hold back; with -v
each message. Every real run also writes its message actions to the account's
action log ("imapdir log ACCOUNT" prints it).

Send SIGUSR1 to print a progress line. Ctrl-C stops cleanly: what was done is
recorded, the next run carries on (exit 130). Exit codes as in "imapdir --help";
a run whose deletions a guard held back exits 4.`

// outcome is how an account's run ended.
type outcome int

const (
	outcomeOK outcome = iota
	outcomePartial
	outcomeFailed
)

// overrides are sync's mbsync-style flags: for this run they replace the
// accounts' sync, expunge and create settings. Directions (--pull, --push)
// and kinds (--new, --flags, --delete) combine: --pull --new copies new
// server mail only; directions alone mean every kind, kinds alone both
// directions.
type overrides struct {
	pull, push, new, flags, delete bool
	noExpunge, create, full        bool
}

func (o *overrides) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.pull, "pull", false, "propagate from the server to the Maildir only")
	f.BoolVar(&o.push, "push", false, "propagate from the Maildir to the server only")
	f.BoolVar(&o.new, "new", false, "propagate new messages only")
	f.BoolVar(&o.flags, "flags", false, "propagate flag changes only")
	f.BoolVar(&o.delete, "delete", false, "propagate deletions only")
	f.BoolVar(&o.noExpunge, "no-expunge", false, "remove no message for good (deletions are kept as \\Deleted)")
	f.BoolVar(&o.create, "create", false, "create mailboxes missing on either side")
	f.BoolVar(&o.full, "full", false, "ignore the checkpoints: list both sides in full, as on a first run")
}

// apply sets a's settings as the overrides say.
func (o overrides) apply(a *config.Account) {
	if o.pull || o.push || o.new || o.flags || o.delete {
		kinds := config.Changes{New: o.new, Flags: o.flags, Delete: o.delete}
		if kinds == (config.Changes{}) {
			kinds = config.Changes{New: true, Flags: true, Delete: true}
		}
		var ops config.SyncOps
		if o.pull || !o.push {
			ops.Pull = kinds
		}
		if o.push || !o.pull {
			ops.Push = kinds
		}
		a.SetSync(ops)
	}
	if o.noExpunge {
		a.SetExpunge(config.SidesNone)
	}
	if o.create {
		a.Create = config.SidesBoth
	}
}

func (st *runState) syncCommand() *cobra.Command {
	var over overrides
	cmd := &cobra.Command{
		Use:   "sync [ACCOUNT[:MAILBOX]...]",
		Short: "Synchronize accounts or mailboxes",
		Long:  syncLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			for i := range cfg.Accounts {
				over.apply(&cfg.Accounts[i])
			}
			st.flags.full = over.full
			sel, err := st.selection(cfg, args)
			if err != nil {
				return err
			}
			return st.runSync(cmd.Context(), sel)
		},
		ValidArgsFunction: st.completeAccounts,
	}
	over.addFlags(cmd)
	return cmd
}

// target is one account to sync: the whole account when mailboxes is nil.
type target struct {
	acct      *config.Account
	mailboxes []string
}

// selection resolves ACCOUNT[:MAILBOX] arguments in order; no argument
// means every account whose sync key is not "none".
func (st *runState) selection(cfg *config.Config, args []string) ([]target, error) {
	if len(args) == 0 {
		var ts []target
		for i := range cfg.Accounts {
			if cfg.Accounts[i].Sync != (config.SyncOps{}) { // sync = ["none"]: listed, never synced
				ts = append(ts, target{acct: &cfg.Accounts[i]})
			}
		}
		return ts, nil
	}
	var ts []target
	index := map[string]int{}
	for _, arg := range args {
		name, mbox, hasMbox := strings.Cut(arg, ":")
		acct, err := st.account(cfg, name)
		if err != nil {
			return nil, err
		}
		i, seen := index[name]
		if !seen {
			i = len(ts)
			index[name] = i
			ts = append(ts, target{acct: acct, mailboxes: []string{}})
		}
		switch {
		case !hasMbox:
			ts[i].mailboxes = nil // the whole account
		case mbox == "":
			return nil, usageErr(fmt.Errorf("%q: empty mailbox name", arg))
		case ts[i].mailboxes != nil:
			ts[i].mailboxes = append(ts[i].mailboxes, mbox)
		}
	}
	return ts, nil
}

// runSync syncs the targets one after another and maps the outcomes to
// the exit code. The reporter has shown every failure already.
func (st *runState) runSync(ctx context.Context, targets []target) error {
	rep := st.reporter()
	stop := st.relayProgress(rep)
	var t tally
	for _, tg := range targets {
		out, obs := st.syncTarget(ctx, rep, tg)
		t.add(out, obs)
		if ctx.Err() != nil {
			break
		}
	}
	stop()
	if err := rep.Close(); err != nil {
		return err
	}
	return t.exit(ctx)
}

// tally sums the accounts' outcomes for the exit code.
type tally struct {
	ok, failed int
	held       bool  // a safety rule held something back
	changes    int64 // changes made, for the interrupted line
}

func (t *tally) add(out outcome, obs *observer) {
	t.changes += obs.changes.Load()
	t.held = t.held || obs.held.Load() > 0
	switch out {
	case outcomeOK:
		t.ok++
	case outcomePartial:
		t.ok, t.failed = t.ok+1, t.failed+1
	case outcomeFailed:
		t.failed++
	}
}

// exit picks the exit code from the one table (see ExitOK): interrupted,
// nothing done, a part done, held back by a safety rule, all done.
func (t *tally) exit(ctx context.Context) error {
	switch {
	case ctx.Err() != nil:
		msg := fmt.Sprintf("interrupted; %d done, the next run continues", t.changes)
		return &exitError{code: ExitInterrupted, msg: msg, err: ctx.Err()}
	case t.failed > 0 && t.ok == 0:
		return &exitError{code: ExitFailure}
	case t.failed > 0:
		return &exitError{code: ExitPartial}
	case t.held:
		return &exitError{code: ExitHeld, msg: "changes held back by a safety rule (see above); run with --force to carry them out"}
	}
	return nil
}

// reporter makes the run's progress and summary output.
func (st *runState) reporter() ui.Reporter {
	mode := ui.ModePlain
	switch {
	case st.flags.json:
		mode = ui.ModeJSON
	case ui.IsTerminal(st.app.Stdout):
		mode = ui.ModeBars
	}
	term, _ := st.app.Stdout.(*os.File)
	return ui.New(ui.Options{Out: st.out, Err: st.err, Mode: mode, Terminal: term,
		Quiet: st.flags.quiet, Verbose: st.flags.verbose, DryRun: st.flags.dryRun, Now: st.app.Now})
}

// relayProgress prints the reporter's progress line on each SIGUSR1 until
// the returned stop is called.
func (st *runState) relayProgress(rep ui.Reporter) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-st.app.ProgressSignal:
				fmt.Fprintln(st.errOut(), rep.ProgressLine())
			}
		}
	}()
	return func() { close(done); <-finished }
}

// syncTarget syncs one account and reports its summary; it also returns
// the account's observer, which counted what was done and held back.
func (st *runState) syncTarget(ctx context.Context, rep ui.Reporter, t target) (outcome, *observer) {
	defer rep.AccountDone(t.acct.Name)
	obs := newObserver(t.acct.Name, rep, st.logs().Logger)
	if !st.flags.dryRun {
		obs.actions = st.openActionLog(rep, t.acct.Name)
		defer func() {
			if err := obs.actions.close(); err != nil {
				rep.Warn(t.acct.Name, "", err.Error())
			}
		}()
	}
	out, err := st.syncAccount(ctx, t, obs)
	if err != nil {
		if ctx.Err() == nil { // an interruption is said once, at the end
			rep.Error(t.acct.Name, "", flat(err))
		}
		return outcomeFailed, obs
	}
	return out, obs
}

// syncAccount opens both sides of an account and runs the engine.
func (st *runState) syncAccount(ctx context.Context, t target, obs *observer) (outcome, error) {
	logs := st.logs()
	near, err := openNear(ctx, t.acct, st.flags.dryRun)
	if err != nil {
		return outcomeFailed, err
	}
	defer near.close()
	farStore, err := st.app.Backends.Far(ctx, t.acct, logs)
	if err != nil {
		return outcomeFailed, err
	}
	defer farStore.Close()
	allMail, err := gmailMatch(ctx, t.acct, farStore)
	if err != nil {
		return outcomeFailed, err
	}
	nearAcct, err := nearAccount(t.acct, allMail != nil)
	if err != nil {
		return outcomeFailed, err
	}
	nearStore, err := st.app.Backends.Near(ctx, nearAcct, near.root, near.db, logs, st.flags.dryRun)
	if err != nil {
		return outcomeFailed, err
	}
	defer nearStore.Close()
	opts, err := engineOptions(t.acct, st.flags, st.app.Now)
	if err != nil {
		return outcomeFailed, err
	}
	opts.LinkCopies = farStore.Features().GmailLabels // each X-GM-MSGID downloaded once
	if allMail != nil {
		opts.Match = allMail
	}
	opts.Observer = obs
	if n := t.acct.ConnectionsFor(farStore.Features().GmailLabels); n > 0 {
		opts.Connections = n
	}
	eng, err := syncer.New(farStore, nearStore, near.db, opts)
	if err != nil {
		return outcomeFailed, err
	}
	var out outcome
	if t.mailboxes == nil {
		out, err = runAccount(ctx, eng)
	} else {
		out, err = st.runMailboxes(ctx, eng, obs, t)
	}
	if err != nil {
		return out, err
	}
	return reportSkipped(obs, out, farStore, nearStore), nil
}

// reportSkipped warns, naming each, about the mailboxes a store left out
// of its listing (an undecodable name, an empty level …): they were not
// synchronized, so a run that otherwise succeeded is only partly done.
func reportSkipped(obs *observer, out outcome, stores ...store.Store) outcome {
	for _, s := range stores {
		sk, ok := s.(store.Skipper)
		if !ok {
			continue
		}
		for _, m := range sk.SkippedMailboxes() {
			obs.rep.Warn(obs.account, m.Name, "mailbox skipped, not synchronized: "+m.Reason)
			if out == outcomeOK {
				out = outcomePartial
			}
		}
	}
	return out
}

// runAccount syncs every selected mailbox of the account. A mailbox a
// safety rule stopped is not a failure (see ExitHeld).
func runAccount(ctx context.Context, eng *syncer.Engine) (outcome, error) {
	res, err := eng.SyncAccount(ctx)
	if err != nil {
		return outcomeFailed, err
	}
	failed := 0
	for _, m := range res.Mailboxes {
		if m.Err != nil && !errors.Is(m.Err, syncer.ErrRefused) {
			failed++
		}
	}
	switch {
	case failed == 0:
		return outcomeOK, nil
	case failed == len(res.Mailboxes):
		return outcomeFailed, nil
	}
	return outcomePartial, nil
}

// runMailboxes syncs the named mailboxes one after another. A mailbox
// that fails leaves the others to run; a store-wide failure stops all.
func (st *runState) runMailboxes(ctx context.Context, eng *syncer.Engine, obs *observer, t target) (outcome, error) {
	failed := 0
	for _, name := range t.mailboxes {
		_, err := eng.SyncMailbox(ctx, name)
		switch {
		case err == nil || errors.Is(err, syncer.ErrRefused):
			continue // a refusal was shown by its MailboxDone
		case errors.Is(err, syncer.ErrNoSuchMailbox):
			obs.rep.Error(t.acct.Name, name, fmt.Errorf("no such mailbox on the server or in the Maildir, or left out by "+
				"the account's folders setting (\"imapdir list %s\" shows them)", t.acct.Name))
		case errors.Is(err, context.Canceled) || store.ScopeOf(err) >= store.ScopeStore:
			return outcomeFailed, err
		case !obs.reported(name):
			obs.rep.Error(t.acct.Name, name, flat(err))
		}
		failed++
	}
	switch failed {
	case 0:
		return outcomeOK, nil
	case len(t.mailboxes):
		return outcomeFailed, nil // each failure has been shown
	}
	return outcomePartial, nil
}

// completeAccounts completes account names from the configuration.
func (st *runState) completeAccounts(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	cfg, err := config.Load(st.flags.config, st.app.Env)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, 0, len(cfg.Accounts))
	for _, a := range cfg.Accounts {
		names = append(names, a.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
