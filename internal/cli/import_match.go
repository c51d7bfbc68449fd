package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/importer"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

const importMatchLong = `Adopt a Maildir whose synchronizer state is gone, or was written by a tool
imapdir does not read: each local file is paired with the server message of
the same identity (its Message-ID, or the hash of its header for a message
without one, and its size; the INTERNALDATE, which Maildir deliveries give the
file as its mtime, tells apart copies of one message). Only the messages'
headers are read from the server; nothing is downloaded, uploaded, moved or
renamed. A pair's flags are those both sides share, so the first sync gives
each side the flags only the other has and removes none.

What stays unpaired (local files the server does not have, server messages not
in the Maildir, copies that cannot be told apart) is counted per folder. When
anything stays unpaired the import refuses unless --unpaired upload says to go
on: the next sync then uploads those files, downloads those messages, and
creates the mailboxes of local folders the server does not have. --dry-run
writes nothing: it refuses as the import would, listing the unpaired by
folder, or prints the counts.

DIR must be the account's maildir, its folders named as the account's layout
names them.`

func (st *runState) importMatchCommand() *cobra.Command {
	var from, unpaired string
	cmd := &cobra.Command{
		Use:   "match ACCOUNT --from DIR [--unpaired upload]",
		Short: "Adopt a Maildir with no usable state by pairing messages with the server's",
		Long:  importMatchLong,
		Args:  st.oneAccount,
		RunE: func(cmd *cobra.Command, args []string) error {
			acct, err := st.importAccount(args[0], from)
			if err != nil {
				return err
			}
			if unpaired != "" && unpaired != "upload" {
				return usageErr(fmt.Errorf("--unpaired %q: the one choice is \"upload\"", unpaired))
			}
			return st.importMatch(cmd.Context(), acct, from, unpaired == "upload")
		},
		ValidArgsFunction: st.completeAccounts,
	}
	cmd.Flags().StringVar(&from, "from", "", "the Maildir to adopt (the account's maildir)")
	cmd.Flags().StringVar(&unpaired, "unpaired", "", "`upload`: go on when messages stay unpaired (the next sync copies them)")
	return cmd
}

// importMatch pairs the Maildir's files with the server's messages and
// adopts the pairs.
func (st *runState) importMatch(ctx context.Context, acct *config.Account, from string, upload bool) error {
	return st.adopt(ctx, acct, from, func(layout maildir.Layout, connect func() (store.Store, error)) ([]importer.Folder, error) {
		far, err := connect()
		if err != nil {
			return nil, err
		}
		folders, missing, err := importer.ReadMatch(ctx, acct.Maildir, layout, far, importer.MatchOptions{CreateMissing: upload})
		for _, name := range missing {
			fmt.Fprintf(st.stdout(), "%s: %s: not on the server: the next sync creates it and uploads its messages\n", acct.Name, name)
		}
		if err != nil || upload {
			return folders, err
		}
		// The dry run refuses as the real import does, and lists by
		// folder what stays unpaired.
		local, server := 0, 0
		for _, f := range folders {
			local += f.Unknown
			server += f.FarOnly
			if st.flags.dryRun && f.Unknown+f.FarOnly > 0 {
				fmt.Fprintf(st.stdout(), "%s: %s: unpaired: %d local files, %d server messages\n", acct.Name, f.Name, f.Unknown, f.FarOnly)
			}
		}
		if local+server > 0 {
			where := "--dry-run lists them by folder"
			if st.flags.dryRun {
				where = "listed above by folder"
			}
			return nil, fmt.Errorf("%d local files and %d server messages stay unpaired (%s): with --unpaired upload "+
				"the next sync uploads those files and downloads those messages; nothing was written", local, server, where)
		}
		return folders, nil
	})
}
