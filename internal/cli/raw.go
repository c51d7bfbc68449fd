package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
)

const rawLong = `Connect and log in to the account's server, then send IMAP commands typed as
on the wire, without the tag: the tag is added, and every response — including
data the server pushes on its own (EXISTS, EXPUNGE, FETCH) — is printed as a
parsed tree. For example:

  SELECT INBOX
  FETCH 1:5 (UID FLAGS ENVELOPE)
  UID SEARCH UNSEEN

On a terminal the line can be edited and earlier lines recalled with the arrow
keys, and the connection idles between commands (RFC 2177), so that what the
server pushes shows as it comes; "quit" or Ctrl-D ends. With -c the commands
given are run in order and the exit code is 1 when one was refused (NO or BAD).`

func (st *runState) rawCommand() *cobra.Command {
	var commands []string
	c := &cobra.Command{
		Use:   "raw ACCOUNT",
		Short: "Talk IMAP to an account's server (REPL)",
		Long:  rawLong,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if st.flags.dryRun {
				return usageErr(errors.New("raw sends each command to the server as typed; --dry-run cannot apply to it"))
			}
			cfg, err := st.loadConfig()
			if err != nil {
				return err
			}
			acct, err := st.account(cfg, args[0])
			if err != nil {
				return err
			}
			return st.raw(cmd.Context(), acct, commands)
		},
		ValidArgsFunction: st.completeAccounts,
	}
	c.Flags().StringArrayVarP(&commands, "command", "c", nil, "run `CMD` and exit (repeatable)")
	return c
}

// printer writes responses, each once: untagged data can reach both the
// command that collected it and the push handler, in either order and
// possibly after the command completed.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	printed map[*imap.Response]bool // shown during the current command
	earlier map[*imap.Response]bool // shown during the one before
}

func newPrinter(w io.Writer) *printer {
	return &printer{w: w, printed: map[*imap.Response]bool{}, earlier: map[*imap.Response]bool{}}
}

func (p *printer) show(r *imap.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed[r] || p.earlier[r] {
		delete(p.printed, r)
		delete(p.earlier, r)
		return
	}
	p.printed[r] = true
	_ = writeResponse(p.w, r)
}

// note prints a message of imapdir's own.
func (p *printer) note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "imapdir: %s\n", msg)
}

// setWriter redirects the output (to the line editor).
func (p *printer) setWriter(w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.w = w
}

// nextCommand starts a new generation: what the other path has not
// claimed after two commands never will be, so the maps stay small.
func (p *printer) nextCommand() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.earlier, p.printed = p.printed, map[*imap.Response]bool{}
}

func (st *runState) raw(ctx context.Context, acct *config.Account, commands []string) error {
	p := newPrinter(st.stdout())
	sess, err := st.app.Backends.Connect(ctx, acct, st.logs(), p.show)
	if err != nil {
		return fmt.Errorf("account %s: %w", acct.Name, err)
	}
	defer sess.Close()
	if len(commands) > 0 {
		return runCommands(ctx, sess, p, commands)
	}
	// The terminal goes into raw mode only now: a password command may
	// have needed it (pinentry) while connecting.
	in := newLineInput(st.app.Stdin, st.stdout(), true)
	defer in.close()
	p.setWriter(in.output())
	if in.term != nil {
		stop := idleInBackground(ctx, sess, p)
		defer stop()
	}
	return repl(ctx, sess, p, in)
}

// idleInBackground keeps the connection in IDLE while the user types, so
// that what the server pushes shows at once (above the prompt).
func idleInBackground(ctx context.Context, sess Session, p *printer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sess.Idle(ctx); err != nil && ctx.Err() == nil {
			p.note("IDLE ended: " + oneLine(err.Error()))
		}
	}()
	return func() { cancel(); <-done }
}

// runCommands runs -c commands; a refused one makes the exit code 1.
func runCommands(ctx context.Context, sess Session, p *printer, commands []string) error {
	refused := false
	for _, line := range commands {
		err := send(ctx, sess, p, line)
		var ie *imap.Error
		switch {
		case errors.As(err, &ie):
			refused = true
		case err != nil:
			return err
		}
	}
	if refused {
		return &exitError{code: ExitFailure}
	}
	return nil
}

func repl(ctx context.Context, sess Session, p *printer, in *lineInput) error {
	for {
		line, err := in.readLine()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		line = strings.TrimSpace(line)
		switch strings.ToLower(line) {
		case "":
			continue
		case "quit", "exit", `\q`:
			return nil
		case "idle", "done":
			p.note("IDLE is handled for you: on a terminal the connection idles between commands and pushed data shows as it comes")
			continue
		}
		err = send(ctx, sess, p, line)
		var ie *imap.Error
		if err != nil && !errors.As(err, &ie) {
			return err
		}
		if strings.EqualFold(line, "LOGOUT") {
			return nil
		}
	}
}

// send sends one typed command and prints what it produced.
func send(ctx context.Context, sess Session, p *printer, line string) error {
	args, err := parseCommandLine(line)
	if err != nil {
		p.note(err.Error())
		return nil
	}
	untagged, tagged, err := sess.Command(ctx, args...)
	for _, u := range untagged {
		p.show(u)
	}
	if tagged != nil {
		p.show(tagged)
	} else if err != nil {
		p.note(oneLine(err.Error()))
	}
	p.nextCommand()
	return err
}

// parseCommandLine turns a typed command into values: the command name as
// an atom (two for "UID FETCH" and the like), then each argument as typed
// (split at spaces outside quotes, parentheses and brackets). Separate
// arguments let the protocol trace redact LOGIN's password.
func parseCommandLine(line string) ([]imap.Value, error) {
	words, err := splitArgs(line)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 || !imap.IsAtom(words[0]) {
		return nil, fmt.Errorf("%q does not start with a command name", line)
	}
	args := []imap.Value{imap.Atom(words[0])}
	words = words[1:]
	if strings.EqualFold(string(args[0].(imap.Atom)), "UID") {
		if len(words) == 0 || !imap.IsAtom(words[0]) {
			return nil, errors.New("UID needs a command after it, e.g. UID FETCH 1:* FLAGS")
		}
		args = append(args, imap.Atom(words[0]))
		words = words[1:]
	}
	for _, w := range words {
		args = append(args, imap.Raw(w))
	}
	return args, nil
}

// splitArgs splits line at spaces that are outside quoted strings,
// parentheses and brackets.
func splitArgs(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range line {
		switch {
		case escaped:
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			depth--
		case r == ' ' && depth == 0:
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if quoted || depth != 0 {
		return nil, errors.New("unbalanced quotes, parentheses or brackets")
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words, nil
}
