package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

const logLong = `Print the account's action log: one line per message that a sync pulled,
pushed, flagged, deleted or moved, with the time (UTC), the mailbox, the UID
and the Message-ID (and the subject of copied messages), oldest first:

  2026-12-04T17:02:11Z INBOX: pulled UID 12 as 7 <id@example.com> "Lunch?"
  2026-12-04T17:02:11Z INBOX: deleted near UID 4 <gone@example.com>
  2026-12-04T17:02:12Z INBOX: moved far UID 5 to Archive as 40 <m@example.com>

"far" is the server, "near" the Maildir. The log is kept in
$XDG_STATE_HOME/imapdir/actions-ACCOUNT.log (~/.local/state/imapdir when
XDG_STATE_HOME is unset); past 4 MiB it is rotated, the last three older files
kept (.1 … .3). Dry runs write nothing to it.

--since limits the output to the last DURATION (90m, 36h, 7d) or to what
happened from a DATE on (2026-12-01, or 2026-12-01T08:00:00Z).`

func (st *runState) logCommand() *cobra.Command {
	var since string
	cmd := &cobra.Command{
		Use:   "log ACCOUNT",
		Short: "Show the messages that syncs pulled, pushed, flagged, deleted or moved",
		Long:  logLong,
		Args:  st.oneAccount,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			acct, err := st.account(cfg, args[0])
			if err != nil {
				return err
			}
			from, err := parseSince(since, st.app.Now())
			if err != nil {
				return usageErr(err)
			}
			return st.showLog(acct.Name, from)
		},
		ValidArgsFunction: st.completeAccounts,
	}
	cmd.Flags().StringVar(&since, "since", "", "only actions of the last DURATION (36h, 7d) or from DATE (2026-12-01) on")
	return cmd
}

// showLog prints the account's action log from since on.
func (st *runState) showLog(account string, since time.Time) error {
	dir, err := st.actionLogDir()
	if err != nil {
		return err
	}
	n, err := printActionLog(st.out, dir, account, since)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(st.errOut(), "no message actions logged for %s%s (%s)\n", account,
			map[bool]string{true: " in that time", false: " yet"}[!since.IsZero()], actionLogPath(dir, account))
	}
	return nil
}

// parseSince reads --since: "" (everything), a duration back from now
// (Go's units, and d for days), or a date or RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (90m, 36h, 7d) or a date (2026-12-01, 2026-12-01T08:00:00Z)", s)
}
