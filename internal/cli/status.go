package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/ui"
	"github.com/imapdir/imapdir/internal/watch"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
)

// accountStatus is what status shows of one account; its JSON form is
// the --json output (field names are stable).
type accountStatus struct {
	Account  string        `json:"account"`
	Maildir  string        `json:"maildir"`
	StateDB  string        `json:"state_db"`
	Synced   bool          `json:"synced"` // a state database exists
	LastSync *time.Time    `json:"last_sync,omitempty"`
	LockPID  int           `json:"lock_pid,omitempty"` // a run holds the lock
	Pending  int           `json:"pending_intents"`
	Watch    *watch.Status `json:"watch,omitempty"` // a running watch
	// ActionLog is the account's action log ("imapdir log"), when one
	// was written.
	ActionLog string          `json:"action_log,omitempty"`
	Mailboxes []mailboxStatus `json:"mailboxes"`
}

type mailboxStatus struct {
	Mailbox string `json:"mailbox"`
	// Dir is the mailbox's folder directory under the Maildir when its
	// name there is not the mailbox's (layouts "maildir++" and "-mutf7":
	// "Entw&APw-rfe" for "Entwürfe").
	Dir      string     `json:"dir,omitempty"`
	Messages int        `json:"messages"` // pairs recorded
	LastSync *time.Time `json:"last_sync,omitempty"`
	State    string     `json:"state"`
}

func (st *runState) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status [ACCOUNT]",
		Short: "Show each account's last sync, counts, pending work and lock holder",
		Long: `Show, from the local state only (no network), each account's Maildir and
state database, when each mailbox was last synchronized, how many messages are
paired, intents left pending by an interrupted run, and who holds the lock.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			accts := cfg.Accounts
			if len(args) == 1 {
				a, err := st.account(cfg, args[0])
				if err != nil {
					return err
				}
				accts = []config.Account{*a}
			}
			return st.showStatus(cmd.Context(), accts)
		},
		ValidArgsFunction: st.completeAccounts,
	}
}

func (st *runState) showStatus(ctx context.Context, accts []config.Account) error {
	for i := range accts {
		s, err := readStatus(ctx, &accts[i])
		if err != nil {
			return fmt.Errorf("account %s: %w", accts[i].Name, err)
		}
		if dir, err := st.actionLogDir(); err == nil && exists(actionLogPath(dir, s.Account)) {
			s.ActionLog = actionLogPath(dir, s.Account)
		}
		if st.flags.json {
			err = json.NewEncoder(st.stdout()).Encode(s)
		} else {
			err = writeStatus(st.stdout(), s, st.app.Now())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readStatus reads an account's state database without creating it.
func readStatus(ctx context.Context, acct *config.Account) (*accountStatus, error) {
	s := &accountStatus{Account: acct.Name, Maildir: acct.Maildir, StateDB: statedb.DefaultPath(acct.Maildir),
		Mailboxes: []mailboxStatus{}}
	if !exists(s.StateDB) {
		return s, nil
	}
	s.Synced = true
	s.LockPID = lockHolder(acct.Maildir)
	if ws, found, err := watch.ReadStatus(acct.Maildir); err == nil && found && ws.PID == s.LockPID {
		s.Watch = &ws // a status file whose writer holds the lock: the watch runs
	}
	// Read-only: status works on a Maildir it may not write; only a file
	// of an older schema is opened for writing, to be upgraded.
	db, err := statedb.OpenReadOnly(ctx, s.StateDB, statedb.Options{})
	if errors.Is(err, statedb.ErrOldSchema) {
		db, err = statedb.Open(ctx, s.StateDB, statedb.Options{})
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.View(ctx, func(tx *statedb.Tx) error { return s.read(tx, acct) })
	return s, err
}

func (s *accountStatus) read(tx *statedb.Tx, acct *config.Account) error {
	mbs, err := tx.Mailboxes()
	if err != nil {
		return err
	}
	for _, mb := range mbs {
		n, err := tx.CountPairs(mb.ID)
		if err != nil {
			return err
		}
		ms := mailboxStatus{Mailbox: displayName(mb), Dir: folderDir(acct, mb.NearName), Messages: n, State: string(mb.State)}
		if !mb.LastSync.IsZero() {
			t := mb.LastSync
			ms.LastSync = &t
			if s.LastSync == nil || t.After(*s.LastSync) {
				s.LastSync = &t
			}
		}
		s.Mailboxes = append(s.Mailboxes, ms)
	}
	pending, err := tx.PendingIntents(0)
	s.Pending = len(pending)
	return err
}

// folderDir is the directory of near mailbox name relative to the
// account's Maildir, "" when it is the name itself (or unknown).
func folderDir(acct *config.Account, name string) string {
	layout, err := maildir.ParseLayout(acct.Layout)
	if name == "" || err != nil {
		return ""
	}
	dir, err := layout.Path(acct.Maildir, name)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(acct.Maildir, dir)
	if err != nil || filepath.ToSlash(rel) == name {
		return ""
	}
	return filepath.ToSlash(rel)
}

// displayName names a mailbox pair: the far name, else the near one.
func displayName(mb statedb.Mailbox) string {
	if mb.FarName != "" {
		return mb.FarName
	}
	return mb.NearName
}

// lockHolder returns the pid holding the account lock, 0 when free. It
// takes the lock for an instant when it is free.
func lockHolder(dir string) int {
	l, err := statedb.AcquireLock(dir)
	var le *statedb.LockedError
	if errors.As(err, &le) {
		if le.PID == 0 {
			return -1 // held by a run that has not written its pid yet
		}
		return le.PID
	}
	if err == nil {
		l.Close()
	}
	return 0
}

// writeStatus prints one account's status for people.
func writeStatus(w io.Writer, s *accountStatus, now time.Time) error {
	fmt.Fprintf(w, "%s: %s\n", s.Account, s.Maildir)
	if !s.Synced {
		_, err := fmt.Fprintf(w, "  never synced (no %s)\n", s.StateDB)
		return err
	}
	fmt.Fprintf(w, "  state:     %s\n", s.StateDB)
	fmt.Fprintf(w, "  last sync: %s\n", when(s.LastSync, now))
	fmt.Fprintf(w, "  lock:      %s\n", lockText(s.LockPID))
	if s.Watch != nil {
		fmt.Fprintf(w, "  watch:     running since %s, pid %d%s\n", when(&s.Watch.Since, now), s.Watch.PID, watchText(s.Watch, now))
	}
	fmt.Fprintf(w, "  pending:   %d intents\n", s.Pending)
	if s.ActionLog != "" {
		fmt.Fprintf(w, "  actions:   %s (imapdir log %s)\n", s.ActionLog, s.Account)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  mailbox\tmessages\tlast sync\tstate\n")
	for _, m := range s.Mailboxes {
		name := m.Mailbox
		if m.Dir != "" {
			name += " (" + m.Dir + ")"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", name, m.Messages, when(m.LastSync, now), m.State)
	}
	return tw.Flush()
}

func when(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	ago := now.Sub(*t).Truncate(time.Second)
	if ago < time.Second {
		return t.Local().Format("2006-01-02 15:04:05") + " (just now)"
	}
	return fmt.Sprintf("%s (%s ago)", t.Local().Format("2006-01-02 15:04:05"), ui.FormatDuration(ago))
}

func lockText(pid int) string {
	switch {
	case pid == 0:
		return "free"
	case pid < 0:
		return "held by another run"
	}
	return fmt.Sprintf("held by pid %d", pid)
}

// watchText describes a running watch's connection and last event.
func watchText(ws *watch.Status, now time.Time) string {
	var b strings.Builder
	if ws.Connection != "" {
		fmt.Fprintf(&b, "; connection %s", ws.Connection)
	}
	if ev := ws.LastEvent; ev != nil {
		what := ev.Kind
		if ev.Mailbox != "" {
			what += " " + ev.Mailbox
		}
		if ev.Error != "" {
			what += ": " + oneLine(ev.Error)
		}
		fmt.Fprintf(&b, "; last event %s, %s", what, when(&ev.Time, now))
	}
	return b.String()
}
