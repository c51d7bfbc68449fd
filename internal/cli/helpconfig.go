package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
)

const configHelpIntro = `The configuration file is $XDG_CONFIG_HOME/imapdir/config.toml
(~/.config/imapdir/config.toml) unless --config names another. It holds one
table per account, [accounts.NAME]; a [defaults] table may hold any account
key for every account (an account's own value wins). A mistake is reported
with file, line and key, and exits with 2.

"far" is the server, "near" the Maildir; "pull" is far → near, "push"
near → far.

Every account key, with an example value, its default and what it does:

`

// configHelpTopic is `imapdir help config`: a help topic (a command with
// nothing to run), generated from the config package's table of keys.
func configHelpTopic() *cobra.Command {
	var b strings.Builder
	b.WriteString(configHelpIntro)
	_ = config.WriteKeys(&b, 78)
	return &cobra.Command{
		Use:   "config",
		Short: "Every configuration key, with its default and meaning",
		Long:  strings.TrimRight(b.String(), "\n"),
	}
}
