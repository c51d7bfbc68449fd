package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/importer"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

const importMbsyncLong = `Adopt a Maildir that mbsync (isync 1.4 or older) keeps in step with the
account's server: its files stay where they are, under the names they have, and
nothing is downloaded again. imapdir reads mbsync's state (.mbsyncstate and
.uidvalidity in each folder, the ",U=" in each file name), checks it against the
server (each mailbox's UIDVALIDITY, and a sample of messages whose Message-ID
must be found under the UID the state gives), and records the pairs in its own
state. The next "imapdir sync" then compares both sides without copying a
message. When anything does not fit, nothing is written.

DIR must be the account's maildir, and the account's layout must name the
folders as mbsync did: "fs-mutf7" for "SubFolders Verbatim", "maildir++-mutf7"
for "SubFolders Maildir++", "legacy-mutf7" for "SubFolders Legacy". --state
names mbsync's SyncState directory when it is not "*" (the state files then
live there, not in the folders). Stop mbsync (and its timers) first. Running
the import twice changes nothing.`

func (st *runState) importCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Adopt a Maildir another synchronizer made, without downloading anything",
	}
	cmd.AddCommand(st.importMbsyncCommand(), st.importOfflineimapCommand(), st.importCopimapCommand(),
		st.importMatchCommand())
	return cmd
}

func (st *runState) importMbsyncCommand() *cobra.Command {
	var from, stateDir string
	cmd := &cobra.Command{
		Use:   "mbsync ACCOUNT --from DIR [--state DIR]",
		Short: "Adopt a Maildir synchronized by mbsync",
		Long:  importMbsyncLong,
		Args:  st.oneAccount,
		RunE: func(cmd *cobra.Command, args []string) error {
			acct, err := st.importAccount(args[0], from)
			if err != nil {
				return err
			}
			return st.importMbsync(cmd.Context(), acct, from, stateDir)
		},
		ValidArgsFunction: st.completeAccounts,
	}
	cmd.Flags().StringVar(&from, "from", "", "the Maildir mbsync keeps (the account's maildir)")
	cmd.Flags().StringVar(&stateDir, "state", "", "mbsync's SyncState `directory`, when not in the folders")
	return cmd
}

// importAccount is the account an import command names, with --from
// given (a usage error otherwise).
func (st *runState) importAccount(name, from string) (*config.Account, error) {
	cfg, err := st.loadConfig()
	if err != nil {
		return nil, err
	}
	acct, err := st.account(cfg, name)
	if err != nil {
		return nil, err
	}
	if from == "" {
		return nil, usageErr(errors.New("--from DIR is required"))
	}
	return acct, nil
}

// importMbsync reads mbsync's state and adopts the Maildir.
func (st *runState) importMbsync(ctx context.Context, acct *config.Account, from, stateDir string) error {
	return st.adopt(ctx, acct, from, func(layout maildir.Layout, _ func() (store.Store, error)) ([]importer.Folder, error) {
		return importer.ReadMbsync(ctx, acct.Maildir, layout, stateDir)
	})
}

// adopt reads another tool's state with read, verifies it against the
// server with the state database only read, and then writes the pairs.
// read gets a function that connects to the server when first called: a
// tool's state is read, and refused, before any connection.
func (st *runState) adopt(ctx context.Context, acct *config.Account, from string,
	read func(maildir.Layout, func() (store.Store, error)) ([]importer.Folder, error)) error {
	if err := sameDir(from, acct.Maildir); err != nil {
		return err
	}
	layout, err := maildir.ParseLayout(acct.Layout)
	if err != nil {
		return err
	}
	var far store.Store
	connect := func() (store.Store, error) {
		if far == nil {
			f, err := st.app.Backends.Far(ctx, acct, st.logs())
			if err != nil {
				return nil, err
			}
			far = f
		}
		return far, nil
	}
	defer func() {
		if far != nil {
			far.Close()
		}
	}()
	folders, err := read(layout, connect)
	if err != nil {
		return fmt.Errorf("account %s: %w", acct.Name, err)
	}
	if _, err := connect(); err != nil {
		return err
	}
	// An account with a state database: take its lock now. Without
	// one, create nothing before the check has passed.
	var near *nearSide
	if exists(statedb.DefaultPath(acct.Maildir)) {
		if near, err = openNear(ctx, acct, st.flags.dryRun); err != nil {
			return err
		}
		defer near.close()
	}
	var db *statedb.DB
	if near != nil {
		db = near.db
	}
	plan, err := importer.Verify(ctx, folders, layout, far, db, 0)
	if err != nil {
		return fmt.Errorf("account %s: %w", acct.Name, err)
	}
	if !st.flags.dryRun {
		if err := st.writeImport(ctx, acct, near, plan); err != nil {
			return fmt.Errorf("account %s: %w", acct.Name, err)
		}
	}
	return printImport(st.stdout(), acct.Name, plan, st.flags.dryRun)
}

// writeImport records the plan in the account's state, opening it (and
// taking its lock) when near is nil.
func (st *runState) writeImport(ctx context.Context, acct *config.Account, near *nearSide, plan *importer.Plan) error {
	if near == nil {
		var err error
		if near, err = openNear(ctx, acct, false); err != nil {
			return err
		}
		defer near.close()
	}
	nearAcct, err := nearAccount(acct, false) // an import leaves labels alone
	if err != nil {
		return err
	}
	nearStore, err := st.app.Backends.Near(ctx, nearAcct, near.root, near.db, st.logs(), st.flags.dryRun)
	if err != nil {
		return err
	}
	defer nearStore.Close()
	return plan.Write(ctx, nearStore, near.db)
}

// sameDir refuses a --from that is not the account's maildir: imapdir
// adopts the Maildir in place, where its config says it is.
func sameDir(from, maildirPath string) error {
	a, errA := filepath.EvalSymlinks(from)
	b, errB := filepath.EvalSymlinks(maildirPath)
	if errA != nil {
		return fmt.Errorf("--from: %w", errA)
	}
	if errB != nil || a != b {
		return fmt.Errorf("--from %s is not the account's maildir (%s): set maildir = %q in the account, then import", from, maildirPath, from)
	}
	return nil
}

// printImport writes one line per folder and a total.
func printImport(w io.Writer, account string, plan *importer.Plan, dryRun bool) error {
	verb := "adopted"
	if dryRun {
		verb = "would adopt"
	}
	total := 0
	for _, f := range plan.Folders {
		n := len(f.Pairs)
		state := fmt.Sprintf("%s %d", verb, n)
		if f.Already {
			state = fmt.Sprintf("already adopted (%d)", n)
		} else {
			total += n
		}
		if _, err := fmt.Fprintf(w, "%s: %s: %s pairs, %d checked on the server; to download %d, to upload %d, gone locally %d\n",
			account, f.Name, state, f.Checked, f.FarOnly, f.NearOnly+f.Unknown, f.Missing); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%s: %s %d messages in %d folders\n", account, verb, total, len(plan.Folders))
	return err
}
