package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
)

// mailboxLine is one row of "imapdir list"; its JSON form is the --json
// output (field names are stable).
type mailboxLine struct {
	Mailbox    string `json:"mailbox"`
	SpecialUse string `json:"special_use,omitempty"`
	Messages   uint32 `json:"messages"`
	Unseen     uint32 `json:"unseen"`
	NoSelect   bool   `json:"noselect,omitempty"`
	Selected   bool   `json:"selected"` // the account's folders patterns select it
}

func (st *runState) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list ACCOUNT",
		Short: "List the server's mailboxes with counts and special use",
		Long: `List the mailboxes on the account's server with their message and unseen
counts, their special use (RFC 6154: \Sent, \Trash …) and whether the
account's folders patterns select them for sync. Names are shown as the
patterns see them: UTF-8, "/" between levels.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			acct, err := st.account(cfg, args[0])
			if err != nil {
				return err
			}
			return st.list(cmd.Context(), acct)
		},
		ValidArgsFunction: st.completeAccounts,
	}
}

func (st *runState) list(ctx context.Context, acct *config.Account) error {
	sess, err := st.app.Backends.Connect(ctx, acct, st.logs(), nil)
	if err != nil {
		return fmt.Errorf("account %s: %w", acct.Name, err)
	}
	defer sess.Close()
	rows, err := listMailboxes(ctx, sess)
	if err != nil {
		return fmt.Errorf("account %s: %w", acct.Name, err)
	}
	for i := range rows {
		rows[i].Selected = !rows[i].NoSelect && config.Match(acct.Folders, rows[i].Mailbox)
	}
	if st.flags.json {
		enc := json.NewEncoder(st.stdout())
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	return writeList(st, rows)
}

// listMailboxes lists every mailbox with its counts: in one command with
// LIST-STATUS (RFC 5819), else LIST then one STATUS per mailbox.
func listMailboxes(ctx context.Context, sess Session) ([]mailboxLine, error) {
	caps := sess.Caps()
	cmd := []imap.Value{imap.Atom("LIST"), imap.Str(""), imap.Str("*")}
	var ret imap.List
	if caps.Has(imap.CapSpecialUse) {
		ret = append(ret, imap.Atom("SPECIAL-USE")) // RFC 6154 §2
	}
	withStatus := caps.Has(imap.CapListStatus)
	if withStatus {
		ret = append(ret, imap.Atom("STATUS"), statusItems())
	}
	if len(ret) > 0 {
		cmd = append(cmd, imap.Atom("RETURN"), ret)
	}
	untagged, _, err := sess.Command(ctx, cmd...)
	if err != nil {
		return nil, fmt.Errorf("LIST: %w", err)
	}
	lists, err := imap.ParseListing(untagged, false)
	if err != nil {
		return nil, fmt.Errorf("LIST: %w", err)
	}
	rows := make([]mailboxLine, 0, len(lists))
	for _, l := range lists {
		r, err := mailboxRow(ctx, sess, l, withStatus)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func statusItems() imap.List {
	return imap.List{imap.Atom("MESSAGES"), imap.Atom("UNSEEN")}
}

// mailboxRow makes one row, asking STATUS when LIST did not return it.
func mailboxRow(ctx context.Context, sess Session, l *imap.ListData, haveStatus bool) (mailboxLine, error) {
	r := mailboxLine{Mailbox: neutralName(l), SpecialUse: string(l.SpecialUse()),
		NoSelect: l.HasAttr(imap.AttrNoSelect) || l.HasAttr(imap.AttrNonExistent)}
	st := l.Status
	if st == nil && !haveStatus && !r.NoSelect {
		untagged, _, err := sess.Command(ctx, imap.Atom("STATUS"), imap.Mailbox(l.Name), statusItems())
		if err != nil {
			return r, fmt.Errorf("STATUS %s: %w", l.Name, err)
		}
		for _, u := range untagged {
			if u.Name() == "STATUS" {
				if st, err = imap.ParseStatus(u, false); err != nil {
					return r, fmt.Errorf("STATUS %s: %w", l.Name, err)
				}
			}
		}
	}
	if st != nil {
		r.Messages, r.Unseen = st.Messages, st.Unseen
	}
	return r, nil
}

// neutralName spells a server name with "/" between levels.
func neutralName(l *imap.ListData) string {
	if l.Delim == 0 || l.Delim == '/' {
		return l.Name
	}
	return strings.ReplaceAll(l.Name, string(l.Delim), "/")
}

func writeList(st *runState, rows []mailboxLine) error {
	tw := tabwriter.NewWriter(st.stdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "mailbox\tspecial use\tmessages\tunseen\tsync")
	for _, r := range rows {
		sync := "no"
		if r.Selected {
			sync = "yes"
		}
		if r.NoSelect {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\n", r.Mailbox, r.SpecialUse, sync)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", r.Mailbox, r.SpecialUse, r.Messages, r.Unseen, sync)
	}
	return tw.Flush()
}
