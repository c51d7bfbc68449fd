package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/importer"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

const importCopimapLong = `Adopt a Maildir that copimap keeps in step with the account's server: its
files stay where they are, under the names they have, and nothing is downloaded
again. imapdir reads copimap's database in each folder (.copimap.sqlite3: the
mailbox's UIDVALIDITY, each message's UID and file), checks it against the
server (each mailbox's UIDVALIDITY, and a sample of messages whose Message-ID
must be found under the UID the database gives), and records the pairs in its
own state. The next "imapdir sync" then compares both sides without copying a
message, and brings the server's flag changes, which copimap does not write to
the files, into the file names. When anything does not fit, nothing is written.

DIR must be the account's maildir, holding one folder per mailbox named as the
account's layout names them (copimap's folders are where each of its
mailboxes' "local-store" points; after OfflineIMAP, "dots-mutf7"). Stop copimap
first. Running the import twice changes nothing.`

func (st *runState) importCopimapCommand() *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "copimap ACCOUNT --from DIR",
		Short: "Adopt a Maildir synchronized by copimap",
		Long:  importCopimapLong,
		Args:  st.oneAccount,
		RunE: func(cmd *cobra.Command, args []string) error {
			acct, err := st.importAccount(args[0], from)
			if err != nil {
				return err
			}
			return st.importCopimap(cmd.Context(), acct, from)
		},
		ValidArgsFunction: st.completeAccounts,
	}
	cmd.Flags().StringVar(&from, "from", "", "the Maildir copimap keeps (the account's maildir)")
	return cmd
}

// importCopimap reads copimap's databases and adopts the Maildir.
func (st *runState) importCopimap(ctx context.Context, acct *config.Account, from string) error {
	return st.adopt(ctx, acct, from, func(layout maildir.Layout, _ func() (store.Store, error)) ([]importer.Folder, error) {
		return importer.ReadCopimap(ctx, acct.Maildir, layout)
	})
}
