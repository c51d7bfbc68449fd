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
	Account    string `json:"account"`
	Mailbox    string `json:"mailbox"`
	SpecialUse string `json:"special_use,omitempty"`
	Messages   uint32 `json:"messages"`
	Unseen     uint32 `json:"unseen"`
	NoSelect   bool   `json:"noselect,omitempty"`
	Selected   bool   `json:"selected"` // the account's folders patterns select it

	synced bool // in the personal namespace, so sync can see it at all
}

func (st *runState) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list [ACCOUNT...]",
		Short: "List the server's mailboxes with counts and special use",
		Long: `List the mailboxes on each account's server (every account, or the named
ones) with their message and unseen counts, their special use (RFC 6154:
\Sent, \Trash …) and whether the account's folders patterns select them for
sync. Names are shown as the patterns see them: UTF-8, "/" between levels.
An account that cannot be listed is named in an error; the others are still
listed (exit 3, or 1 when none could be).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			accts, err := st.accounts(cfg, args)
			if err != nil {
				return err
			}
			return st.listAccounts(cmd.Context(), accts)
		},
		ValidArgsFunction: st.completeAccounts,
	}
}

// accounts returns the named accounts, or all of them when names is empty.
func (st *runState) accounts(cfg *config.Config, names []string) ([]*config.Account, error) {
	if len(names) == 0 {
		if len(cfg.Accounts) == 0 {
			return nil, usageErr(fmt.Errorf("%s: no accounts configured", cfg.Path))
		}
		all := make([]*config.Account, len(cfg.Accounts))
		for i := range cfg.Accounts {
			all[i] = &cfg.Accounts[i]
		}
		return all, nil
	}
	accts := make([]*config.Account, 0, len(names))
	for _, n := range names {
		a, err := st.account(cfg, n)
		if err != nil {
			return nil, err
		}
		accts = append(accts, a)
	}
	return accts, nil
}

// listAccounts lists each account in turn, a heading before each when
// there are several; one that fails is reported and the rest listed.
func (st *runState) listAccounts(ctx context.Context, accts []*config.Account) error {
	failed := 0
	var last error
	for i, acct := range accts {
		if len(accts) > 1 && !st.flags.json {
			if i > 0 {
				fmt.Fprintln(st.stdout())
			}
			fmt.Fprintf(st.stdout(), "%s (%s):\n", acct.Name, acct.Addr())
		}
		if err := st.list(ctx, acct); err != nil {
			if ctx.Err() != nil {
				return err
			}
			failed++
			last = err
			if len(accts) > 1 {
				fmt.Fprintf(st.errOut(), "error: %s: %s\n", acct.Name, flat(err))
			}
		}
	}
	switch {
	case failed == 0:
		return nil
	case len(accts) == 1:
		return fmt.Errorf("account %s: %w", accts[0].Name, last)
	case failed == len(accts):
		return &exitError{code: ExitFailure, err: last}
	}
	return &exitError{code: ExitPartial, err: last}
}

func (st *runState) list(ctx context.Context, acct *config.Account) error {
	sess, err := st.app.Backends.Connect(ctx, acct, st.logs(), nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	rows, err := listMailboxes(ctx, sess)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].Account = acct.Name
		rows[i].Selected = rows[i].synced && !rows[i].NoSelect && config.Match(acct.Folders, rows[i].Mailbox)
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
	ns, err := personalNamespace(ctx, sess)
	if err != nil {
		return nil, err
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
		r, err := mailboxRow(ctx, sess, l, withStatus, ns)
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
func mailboxRow(ctx context.Context, sess Session, l *imap.ListData, haveStatus bool, ns string) (mailboxLine, error) {
	name, synced := neutralName(l, ns)
	r := mailboxLine{Mailbox: name, synced: synced, SpecialUse: string(l.SpecialUse()),
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

// personalNamespace returns the prefix of the personal namespace (RFC 2342,
// RFC 9051 §6.3.10), e.g. "INBOX." on some servers, or "".
func personalNamespace(ctx context.Context, sess Session) (string, error) {
	if !sess.Caps().Has(imap.CapNamespace) && !sess.Caps().Has(imap.CapIMAP4rev2) {
		return "", nil
	}
	untagged, _, err := sess.Command(ctx, imap.Atom("NAMESPACE"))
	if err != nil {
		return "", fmt.Errorf("NAMESPACE: %w", err)
	}
	for _, u := range untagged {
		if u.Name() != "NAMESPACE" {
			continue
		}
		nd, err := imap.ParseNamespace(u, false)
		if err != nil {
			return "", fmt.Errorf("NAMESPACE: %w", err)
		}
		if len(nd.Personal) > 0 {
			return nd.Personal[0].Prefix, nil
		}
	}
	return "", nil
}

// neutralName spells a server name as sync and the folders patterns see
// it (as store/imapstore maps names): INBOX as is, the personal prefix
// cut, "/" between levels. Names outside the personal namespace, or with
// a level holding "/", are shown as the server spells them and never
// synced (false).
func neutralName(l *imap.ListData, prefix string) (string, bool) {
	if strings.EqualFold(l.Name, "INBOX") {
		return "INBOX", true
	}
	rest := l.Name
	if prefix != "" {
		if len(rest) <= len(prefix) || !strings.EqualFold(rest[:len(prefix)], prefix) {
			return l.Name, false
		}
		rest = rest[len(prefix):]
	}
	if l.Delim == 0 || l.Delim == '/' {
		return rest, true
	}
	if strings.ContainsRune(rest, '/') {
		return l.Name, false
	}
	return strings.ReplaceAll(rest, string(l.Delim), "/"), true
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
