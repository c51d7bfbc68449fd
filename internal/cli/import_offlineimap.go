package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/importer"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

const importOfflineimapLong = `Adopt a Maildir that OfflineIMAP (offlineimap3, or the older Python 2
releases) keeps in step with the account's server: its files stay where they
are, under the names they have, and nothing is downloaded again. imapdir reads
OfflineIMAP's state (the LocalStatus of each folder, SQLite or text; the
UIDVALIDITY in FolderValidity; the ",U=" and ",FMD5=" in each file name),
checks it against the server (each mailbox's UIDVALIDITY, and a sample of
messages whose Message-ID must be found under the UID the state gives), and
records the pairs in its own state. The next "imapdir sync" then compares both
sides without copying a message. When anything does not fit, nothing is
written.

DIR must be the account's maildir (OfflineIMAP's "localfolders"), and the
account's layout must name the folders as OfflineIMAP did: "dots-mutf7" for its
default "sep = .", "fs-mutf7" for "sep = /"; "dots" or "fs" when it decoded
folder names to UTF-8. --status names OfflineIMAP's metadata directory
(default ~/.offlineimap), or the Account-NAME directory in it when it holds
several accounts. Folder name translations (nametrans) are not followed. Stop
OfflineIMAP first. Running the import twice changes nothing.`

func (st *runState) importOfflineimapCommand() *cobra.Command {
	var from, status string
	cmd := &cobra.Command{
		Use:   "offlineimap ACCOUNT --from DIR [--status DIR]",
		Short: "Adopt a Maildir synchronized by OfflineIMAP",
		Long:  importOfflineimapLong,
		Args:  st.oneAccount,
		RunE: func(cmd *cobra.Command, args []string) error {
			acct, err := st.importAccount(args[0], from)
			if err != nil {
				return err
			}
			return st.importOfflineimap(cmd.Context(), acct, from, status)
		},
		ValidArgsFunction: st.completeAccounts,
	}
	cmd.Flags().StringVar(&from, "from", "", "the Maildir OfflineIMAP keeps (the account's maildir)")
	cmd.Flags().StringVar(&status, "status", "", "OfflineIMAP's metadata `directory` (default ~/.offlineimap)")
	return cmd
}

// importOfflineimap reads OfflineIMAP's state and adopts the Maildir.
func (st *runState) importOfflineimap(ctx context.Context, acct *config.Account, from, status string) error {
	if status == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("--status: %w", err)
		}
		status = filepath.Join(home, ".offlineimap")
	}
	return st.adopt(ctx, acct, from, func(layout maildir.Layout, _ func() (store.Store, error)) ([]importer.Folder, error) {
		return importer.ReadOfflineIMAP(ctx, acct.Maildir, layout, status)
	})
}
