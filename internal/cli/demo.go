package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/demoserver"
)

const demoLong = `Show imapdir at work, with no account and no network: start a built-in IMAP
server on 127.0.0.1 seeded with a few hundred messages (one mailbox with a
non-ASCII name, one nested), write a configuration for it into DIR, sync it
into DIR/Maildir, change flags and add a message on the server, sync again to
show that only the changes travel, and tell how to read the Maildir with
notmuch or mu. Running it again starts the demo afresh in the same DIR.`

// demoMarker marks a directory the demo made, so a second run may clear it.
const demoMarker = ".imapdir-demo"

func (st *runState) demoCommand() *cobra.Command {
	var dir string
	var messages int
	c := &cobra.Command{
		Use:   "demo",
		Short: "Sync a built-in demo server into a local Maildir",
		Long:  demoLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.demo(cmd.Context(), dir, messages)
		},
	}
	c.Flags().StringVar(&dir, "dir", "imapdir-demo", "`directory` for the demo's config and Maildir")
	c.Flags().IntVar(&messages, "messages", 300, "about how many messages to seed")
	_ = c.Flags().MarkHidden("messages")
	return c
}

func (st *runState) demo(ctx context.Context, dir string, messages int) error {
	dir, err := prepareDemoDir(dir)
	if err != nil {
		return err
	}
	srv, err := demoserver.Start(ctx, demoserver.Options{Messages: messages, Logger: st.logs().Logger})
	if err != nil {
		return fmt.Errorf("demo server: %w", err)
	}
	defer srv.Close()
	cfg, err := st.writeDemoConfig(dir, srv)
	if err != nil {
		return err
	}
	w := st.stdout()
	introduce(w, srv, cfg)
	fmt.Fprintf(w, "\n== First sync: everything is new\n\n")
	if err := st.demoSync(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== Meanwhile, on the server:\n")
	if err := changeServer(ctx, w, srv); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== Second sync: only the changes travel\n\n")
	if err := st.demoSync(ctx, cfg); err != nil {
		return err
	}
	return writeDemoEnd(w, dir, cfg.Accounts[0].Maildir)
}

// prepareDemoDir makes dir absolute and ready: created when missing,
// cleared when an earlier demo made it, refused when it holds other files.
func prepareDemoDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0):
	case err != nil:
		return "", fmt.Errorf("demo directory: %w", err)
	case !exists(filepath.Join(dir, demoMarker)):
		return "", usageErr(fmt.Errorf("%s exists and was not made by imapdir demo; choose another --dir", dir))
	default:
		for _, name := range []string{"Maildir", "config.toml", "notmuch-config", "mu"} {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return "", fmt.Errorf("clearing the earlier demo: %w", err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("demo directory: %w", err)
	}
	return dir, os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by imapdir demo\n"), 0o600)
}

// writeDemoConfig writes DIR/config.toml for the demo server and loads it
// as any configuration is loaded.
func (st *runState) writeDemoConfig(dir string, srv *demoserver.Server) (*config.Config, error) {
	minimal := fmt.Sprintf(`[accounts.demo]
host = "127.0.0.1"
port = %d
tls = "plaintext-insecure"
user = %s
password = %s
maildir = %s
connections = 2
`, srv.Port(), strconv.Quote(srv.User()), strconv.Quote(srv.Password()), strconv.Quote(filepath.Join(dir, "Maildir")))
	cfg, err := config.Parse("demo config", []byte(minimal), st.app.Env)
	if err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString("# Written by \"imapdir demo\" for its built-in server; it lives only while the\n# demo runs. Use it as a starting point for your own config.\n\n")
	if err := config.Encode(&buf, cfg.Accounts); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	st.flags.config = path
	st.stateDir = filepath.Join(dir, "state") // the action log stays in the demo's directory
	return st.loadConfig()
}

func introduce(w io.Writer, srv *demoserver.Server, cfg *config.Config) {
	total := 0
	for _, m := range srv.Seeded() {
		total += m.Messages
	}
	fmt.Fprintf(w, "Demo IMAP server on %s: %d messages in %d mailboxes\n", srv.Addr(), total, len(srv.Seeded()))
	for _, m := range srv.Seeded() {
		pad := strings.Repeat(" ", max(0, 14-utf8.RuneCountInString(m.Name)))
		fmt.Fprintf(w, "  %s%s %4d messages, %d unseen\n", m.Name, pad, m.Messages, m.Unseen)
	}
	fmt.Fprintf(w, "Config written to %s\n", cfg.Path)
}

// demoSync runs "imapdir --config DIR/config.toml sync".
func (st *runState) demoSync(ctx context.Context, cfg *config.Config) error {
	sel, err := st.selection(cfg, nil)
	if err != nil {
		return err
	}
	return st.runSync(ctx, sel)
}

// changeServer makes the second round's changes, as another mail client
// would: flags set and cleared, a message added and one deleted.
func changeServer(ctx context.Context, w io.Writer, srv *demoserver.Server) error {
	steps := []struct {
		say string
		do  func() error
	}{
		{`INBOX UID 1 is now flagged and unread (FLAGS (\Flagged))`, func() error {
			return srv.SetFlags(ctx, "INBOX", 1, demoserver.FlagsSet, `\Flagged`)
		}},
		{`INBOX UID 2 is now read and answered (FLAGS (\Seen \Answered))`, func() error {
			return srv.SetFlags(ctx, "INBOX", 2, demoserver.FlagsSet, `\Seen`, `\Answered`)
		}},
		{`Archive UID 1 deleted`, func() error { return srv.DeleteMessage(ctx, "Archive", 1) }},
		{`a new message arrived in INBOX`, func() error {
			_, err := srv.AppendMessage(ctx, "INBOX", srv.NewMessage("Welcome back to the imapdir demo"), nil, time.Time{})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("demo server: %s: %w", s.say, err)
		}
		fmt.Fprintf(w, "  - %s\n", s.say)
	}
	return nil
}

// writeDemoEnd says where the mail is and writes a notmuch config for it.
func writeDemoEnd(w io.Writer, dir, maildir string) error {
	nm := filepath.Join(dir, "notmuch-config")
	cfg := fmt.Sprintf("[database]\npath=%s\n\n[user]\nname=Demo User\nprimary_email=demo@example.org\n\n[new]\ntags=unread;inbox;\nignore=.imapdir.sqlite3;.imapdir.sqlite3-wal;.imapdir.sqlite3-shm;.imapdir.lock;.imapdir-watch.json;dovecot-keywords\n\n[maildir]\nsynchronize_flags=true\n", maildir)
	if err := os.WriteFile(nm, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("notmuch config: %w", err)
	}
	mu := filepath.Join(dir, "mu")
	_, err := fmt.Fprintf(w, `
== Done. The mail is in %[1]s (one Maildir folder per mailbox).

Read it with notmuch:
  notmuch --config=%[2]s new
  notmuch --config=%[2]s search tag:unread
or with mu:
  mu init --muhome=%[3]s --maildir=%[1]s && mu index --muhome=%[3]s
  mu find --muhome=%[3]s flag:unread
or with mutt:  mutt -f %[1]s/INBOX

What each sync did to each message is in %[5]s
("imapdir log ACCOUNT" prints an account's).

%[4]s shows the configuration format; "imapdir --help" lists the commands.
The demo server stops with the demo, so that config only worked while it ran.
`, maildir, nm, mu, filepath.Join(dir, "config.toml"), actionLogPath(filepath.Join(dir, "state"), "demo"))
	return err
}
