package cli

import (
	"cmp"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imapdir/imapdir/internal/config"
)

// manCommand is the hidden `imapdir man`: the manual page imapdir(1) in
// roff, generated from the commands, their flags and the configuration
// keys, so that it cannot drift from --help. docs/imapdir.1 is its output.
func (st *runState) manCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print the manual page imapdir(1) in roff",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeMan(st.stdout(), cmd.Root())
		},
	}
}

// writeMan writes the manual page of root.
func writeMan(w io.Writer, root *cobra.Command) error {
	m := &manWriter{}
	m.raw(`.TH IMAPDIR 1 "" "imapdir" "User Commands"`)
	m.section("NAME")
	m.raw("imapdir \\- " + roffText(root.Short))
	m.section("SYNOPSIS")
	m.raw(`.B imapdir`)
	m.text("[global options] command [arguments]")
	m.section("DESCRIPTION")
	m.paragraphs(before(root.Long, "Exit codes:"))
	m.section("COMMANDS")
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() {
			continue
		}
		m.raw(".SS " + roffText("imapdir "+c.Use))
		m.paragraphs(cmp.Or(c.Long, c.Short))
		m.flags(c.LocalNonPersistentFlags())
	}
	m.section("GLOBAL OPTIONS")
	m.flags(root.PersistentFlags())
	m.section("CONFIGURATION")
	m.paragraphs(strings.TrimSuffix(configHelpIntro, "Every account key, with an example value, its default and what it does:\n\n"))
	for _, k := range config.Keys {
		m.raw(".TP")
		m.raw(`.B ` + roffText(k.Key+" = "+k.Example))
		doc := k.Doc
		if k.Default != "" {
			doc += " Default: " + k.Default + "."
		}
		m.text(doc)
	}
	m.section("EXIT STATUS")
	m.exitCodes(after(root.Long, "Exit codes:"))
	m.section("FILES")
	m.raw(".TP")
	m.raw(".I $XDG_CONFIG_HOME/imapdir/config.toml")
	m.text("the configuration (default ~/.config/imapdir/config.toml)")
	m.raw(".TP")
	m.raw(".I MAILDIR/.imapdir.sqlite3")
	m.text("an account's state: which file is which server message")
	m.raw(".TP")
	m.raw(".I MAILDIR/.imapdir.lock")
	m.text("the lock a running sync holds")
	m.section("SEE ALSO")
	m.text("mbsync(1), notmuch(1), mu(1), neomutt(1)")
	_, err := io.WriteString(w, m.b.String())
	return err
}

type manWriter struct{ b strings.Builder }

func (m *manWriter) raw(line string) { m.b.WriteString(line + "\n") }

func (m *manWriter) section(name string) { m.raw(".SH " + name) }

func (m *manWriter) text(s string) { m.raw(roffText(s)) }

// paragraphs writes s, keeping its blank-line paragraphs and its indented
// lines (examples) as they are.
func (m *manWriter) paragraphs(s string) {
	for i, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if i > 0 {
			m.raw(".PP")
		}
		lines := strings.Split(p, "\n")
		if strings.HasPrefix(lines[0], "  ") {
			m.raw(".nf")
			for _, l := range lines {
				m.text(l)
			}
			m.raw(".fi")
			continue
		}
		m.text(strings.Join(lines, " "))
	}
}

func (m *manWriter) flags(fs *pflag.FlagSet) {
	var fl []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			fl = append(fl, f)
		}
	})
	sort.Slice(fl, func(i, j int) bool { return fl[i].Name < fl[j].Name })
	for _, f := range fl {
		name := "\\-\\-" + strings.ReplaceAll(f.Name, "-", "\\-")
		if f.Shorthand != "" {
			name = "\\-" + f.Shorthand + ", " + name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if varname != "" && f.Value.Type() != "count" {
			name += " " + roffText(varname)
		}
		m.raw(".TP")
		m.raw(".B " + name)
		m.text(usage)
	}
}

// exitCodes writes the "Exit codes:" list of the root's help as a table.
func (m *manWriter) exitCodes(s string) {
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimSpace(l)
		code, text, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		if _, err := fmt.Sscanf(code, "%d", new(int)); err != nil {
			m.text(l) // a continuation line
			continue
		}
		m.raw(".TP")
		m.raw(".B " + code)
		m.text(strings.TrimSpace(text))
	}
}

// roffText escapes s for a roff text line: backslashes, and a leading
// dot or quote that would make it a request.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func before(s, sep string) string {
	head, _, _ := strings.Cut(s, sep)
	return head
}

func after(s, sep string) string {
	_, tail, _ := strings.Cut(s, sep)
	return tail
}
