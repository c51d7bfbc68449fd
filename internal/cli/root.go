package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imapdir/imapdir/internal/config"
)

// globalFlags are the flags every command takes.
type globalFlags struct {
	config  string
	verbose int
	quiet   bool
	dryRun  bool
	force   bool
	json    bool
	// memoryLimit is the Go heap's soft limit in MiB (0: none).
	memoryLimit int
	full        bool // sync --full: ignore the recorded checkpoints
}

// runState is one Run: the flags, the streams (with secrets redacted) and
// whether a command started (errors before that are usage errors).
type runState struct {
	app     *App
	flags   globalFlags
	started bool
	out     *redactor
	err     *redactor
	// stateDir, when set, replaces $XDG_STATE_HOME/imapdir (the demo
	// keeps its state in its own directory).
	stateDir string
}

const rootLong = `imapdir keeps IMAP folders and local Maildir folders in step, both ways.

The configuration is read from $XDG_CONFIG_HOME/imapdir/config.toml
(~/.config/imapdir/config.toml) unless --config names another file.
Try "imapdir demo" to see a sync against a built-in server, no account needed.

Exit codes:
  0  everything done
  1  failure (connection, login, lock held by another run, …)
  2  usage or configuration error (the message names the file and line)
  3  partly done: some accounts or mailboxes failed, the others are in step
  4  held back: everything else done, but a safety rule held changes back
     (deletions past the deletion guard, a local mailbox found emptied or
     missing); the warning says which, --force carries them out
  130  interrupted (Ctrl-C, SIGTERM): what was done is recorded, the next
       run continues`

func (st *runState) rootCommand() *cobra.Command {
	st.out = newRedactor(st.app.Stdout)
	st.err = newRedactor(st.app.Stderr)
	root := &cobra.Command{
		Use:           "imapdir",
		Short:         "Synchronize IMAP mailboxes with local Maildir folders",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if st.flags.quiet && st.flags.verbose > 0 {
				return usageErr(errors.New("-q and -v exclude each other"))
			}
			if err := refuseUnoffered(cmd.Root(), cmd); err != nil {
				return err
			}
			if err := st.applyMemoryLimit(); err != nil {
				return err
			}
			st.started = true
			return nil
		},
	}
	// --version as well as the version command, as users of other tools
	// type it.
	root.Version = versionString()
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().Bool("version", false, "print the version of imapdir")
	root.SetIn(st.app.Stdin)
	root.SetOut(st.out)
	root.SetErr(st.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	st.addGlobalFlags(root)
	imp := st.importCommand()
	for _, sub := range imp.Commands() {
		st.offer(sub, flagDryRun, flagMemoryLimit)
	}
	root.AddCommand(
		st.offer(st.syncCommand(), flagDryRun, flagForce, flagJSON, flagMemoryLimit),
		st.offer(st.listCommand(), flagJSON),
		st.offer(st.statusCommand(), flagJSON),
		st.offer(st.rawCommand(), flagJSON),
		st.authCommand(),
		st.offer(st.demoCommand(), flagMemoryLimit),
		st.versionCommand(),
		st.offer(st.watchCommand(), flagForce, flagJSON, flagMemoryLimit),
		imp,
		st.logCommand(),
		configHelpTopic(), st.manCommand())
	root.CompletionOptions.HiddenDefaultCmd = false
	return root
}

// addGlobalFlags defines the flags every command takes, and, hidden, the
// flags only some commands take (see offer): known to the root, they can
// stand before the command's name ("imapdir --json list").
func (st *runState) addGlobalFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&st.flags.config, "config", "", "configuration `file` (default $XDG_CONFIG_HOME/imapdir/config.toml)")
	f.CountVarP(&st.flags.verbose, "verbose", "v", "more detail: -v a line per mailbox, -vv a line per message, -vvv protocol trace (secrets redacted)")
	f.BoolVarP(&st.flags.quiet, "quiet", "q", false, "only errors and the final summary line")
	for _, name := range []commandFlag{flagDryRun, flagForce, flagJSON, flagMemoryLimit} {
		st.defineFlag(f, name)
		_ = f.MarkHidden(string(name))
	}
}

// commandFlag names a flag that only the commands that use it offer.
type commandFlag string

const (
	flagDryRun      commandFlag = "dry-run"
	flagForce       commandFlag = "force"
	flagJSON        commandFlag = "json"
	flagMemoryLimit commandFlag = "memory-limit"
)

// offer gives cmd the flags it uses, shown in its help; the root's hidden
// copies share their variables.
func (st *runState) offer(cmd *cobra.Command, flags ...commandFlag) *cobra.Command {
	for _, name := range flags {
		st.defineFlag(cmd.Flags(), name)
	}
	return cmd
}

func (st *runState) defineFlag(f *pflag.FlagSet, name commandFlag) {
	switch name {
	case flagDryRun:
		f.BoolVarP(&st.flags.dryRun, "dry-run", "n", false, "change nothing; say what would be done")
	case flagForce:
		f.BoolVar(&st.flags.force, "force", false, "carry out deletions the deletion guard would hold back")
	case flagJSON:
		f.BoolVar(&st.flags.json, "json", false, "one JSON object per event on stdout, for scripts")
	case flagMemoryLimit:
		f.IntVar(&st.flags.memoryLimit, "memory-limit", DefaultMemoryLimitMiB, "soft limit of the Go heap in `MiB` (0: none; GOMEMLIMIT in the environment wins)")
	}
}

// refuseUnoffered refuses a flag given to a command that does not offer
// it (set through the root's hidden copy).
func refuseUnoffered(root, cmd *cobra.Command) error {
	var err error
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if err == nil && f.Hidden && f.Changed && cmd.LocalFlags().Lookup(f.Name) == nil {
			err = usageErr(fmt.Errorf("\"%s\" does not take --%s", cmd.CommandPath(), f.Name))
		}
	})
	return err
}

// stdout and errOut are the redacted output streams.
func (st *runState) stdout() io.Writer { return st.out }
func (st *runState) errOut() io.Writer {
	if st.err == nil {
		return st.app.Stderr
	}
	return st.err
}

// loadConfig reads the configuration and registers its secrets with the
// output redactors. Problems in the file exit with ExitUsage.
func (st *runState) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(st.flags.config, st.app.Env)
	if errors.Is(err, fs.ErrNotExist) {
		path := st.flags.config
		if path == "" {
			path, _ = config.DefaultPath(st.app.Env)
		}
		return nil, usageErr(fmt.Errorf("no configuration file at %s: write one (README.md shows examples; \"imapdir demo\" writes one for its server) or name it with --config", path))
	}
	if err != nil {
		return nil, usageErr(err)
	}
	for i := range cfg.Accounts {
		st.addSecret(&cfg.Accounts[i], cfg.Accounts[i].Password.Reveal())
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(st.errOut(), "warning: %s\n", w)
	}
	return cfg, nil
}

// account returns the account called name or a usage error listing the
// names there are.
func (st *runState) account(cfg *config.Config, name string) (*config.Account, error) {
	if a, ok := cfg.Account(name); ok {
		return a, nil
	}
	names := make([]string, 0, len(cfg.Accounts))
	for _, a := range cfg.Accounts {
		names = append(names, a.Name)
	}
	return nil, usageErr(fmt.Errorf("%s: no account %q (accounts: %v)", cfg.Path, name, names))
}

// oneAccount is the argument check of the commands that take one ACCOUNT:
// a missing or extra argument is a usage error naming the accounts the
// configuration has (when it can be read).
func (st *runState) oneAccount(cmd *cobra.Command, args []string) error {
	if len(args) == 1 {
		return nil
	}
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	what := "missing ACCOUNT"
	if len(args) > 1 {
		what = fmt.Sprintf("takes one ACCOUNT, got %d arguments", len(args))
	}
	if cfg, err := config.Load(st.flags.config, st.app.Env); err == nil && len(cfg.Accounts) > 0 {
		names := make([]string, 0, len(cfg.Accounts))
		for _, a := range cfg.Accounts {
			names = append(names, a.Name)
		}
		return usageErr(fmt.Errorf("%s: %s (accounts in the configuration: %s)", name, what, strings.Join(names, ", ")))
	}
	return usageErr(fmt.Errorf("%s: %s (usage: imapdir %s)", name, what, cmd.UseLine()[len(cmd.Root().Name())+1:]))
}

func (st *runState) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of imapdir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(st.stdout(), versionString())
			return err
		},
	}
}

// versionString is "imapdir VERSION (go VERSION)" from the build info:
// the module version for `go install …@vX`, else the VCS revision.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "imapdir (unknown version)"
	}
	v := info.Main.Version
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
		if rev != "" {
			v += " " + rev[:min(12, len(rev))] + dirty
		}
	}
	return fmt.Sprintf("imapdir %s (%s)", v, info.GoVersion)
}
