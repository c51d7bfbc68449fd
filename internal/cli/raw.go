package cli

import (
	"context"
	"encoding/json"
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

A line ending in a literal's size, {N} or the non-synchronizing {N+}, is
followed by the literal's N bytes on the next lines (line ends count as CRLF,
2 bytes); what follows them on their last line continues the command:

  APPEND Trash {3}
  abc

On a terminal the line can be edited and earlier lines recalled with the arrow
keys, and the connection idles between commands (RFC 2177), so that what the
server pushes shows as it comes; Ctrl-C gives up waiting for a command's answer
(or clears the line typed, or drops the command whose literal is being typed),
"quit" or Ctrl-D ends. With -c the commands given
are run in order (a value may hold several lines, a literal's bytes among
them) and the exit code is 1 when one was refused (NO or BAD). Commands can
also be piped in, one a line. With --json each response is printed as one
JSON object: tag, status, code, code_args, text, and fields, the data as a tree
(numbers, strings, arrays, null for NIL).`

func (st *runState) rawCommand() *cobra.Command {
	var commands []string
	c := &cobra.Command{
		Use:   "raw ACCOUNT",
		Short: "Talk IMAP to an account's server (REPL)",
		Long:  rawLong,
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
	json    bool                    // one JSON object a line (--json)
	printed map[*imap.Response]bool // shown during the current command
	earlier map[*imap.Response]bool // shown during the one before
}

func newPrinter(w io.Writer, asJSON bool) *printer {
	return &printer{w: w, json: asJSON, printed: map[*imap.Response]bool{}, earlier: map[*imap.Response]bool{}}
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
	if p.json {
		_ = writeResponseJSON(p.w, r)
		return
	}
	_ = writeResponse(p.w, r)
}

// note prints a message of imapdir's own; with --json as {"note": msg}.
func (p *printer) note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, _ := json.Marshal(map[string]string{"note": msg})
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
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
	p := newPrinter(st.stdout(), st.flags.json)
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
	in := newLineInput(ctx, st.app.Stdin, st.stdout(), true)
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

// runCommands runs -c commands; a refused one makes the exit code 1. The
// commands are read as lines (a -c value may hold several), so that a
// literal's bytes can follow its announcement in the same value or the
// next.
func runCommands(ctx context.Context, sess Session, p *printer, commands []string) error {
	var lines []string
	for _, c := range commands {
		lines = append(lines, strings.Split(strings.ReplaceAll(c, "\r\n", "\n"), "\n")...)
	}
	next := func() (string, error) {
		if len(lines) == 0 {
			return "", io.EOF
		}
		l := lines[0]
		lines = lines[1:]
		return l, nil
	}
	refused := false
	for len(lines) > 0 {
		line, _ := next()
		if strings.TrimSpace(line) == "" {
			continue
		}
		tc, err := readTypedCommand(line, next)
		if err != nil {
			return usageErr(err)
		}
		err = send(ctx, sess, p, tc)
		var ie *imap.Error
		switch {
		case errors.As(err, &ie), errors.Is(err, errUnsent):
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
		if ctx.Err() != nil {
			return ctx.Err() // a signal: exit 130
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "":
			continue
		case "quit", "exit", `\q`:
			return nil
		case "idle", "done":
			p.note("IDLE is handled for you: on a terminal the connection idles between commands and pushed data shows as it comes")
			continue
		}
		tc, err := in.readCommand(line)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errAbandoned) {
			p.note(err.Error())
			continue
		}
		if errors.Is(err, io.EOF) {
			p.note(err.Error())
			return nil
		}
		if err != nil {
			p.note(err.Error())
			continue
		}
		if err := sendInterruptible(ctx, sess, p, in, tc); err != nil {
			return err
		}
		if strings.EqualFold(strings.TrimSpace(line), "LOGOUT") {
			return nil
		}
	}
}

// sendInterruptible sends tc; Ctrl-C on the terminal abandons the command
// (its response is read and dropped) and the REPL goes on. It returns
// only errors that end the REPL.
func sendInterruptible(ctx context.Context, sess Session, p *printer, in *lineInput, tc *typedCommand) error {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := in.interruptWith(cancel)
	err := send(cctx, sess, p, tc)
	stop()
	var ie *imap.Error
	switch {
	case err == nil, errors.As(err, &ie), errors.Is(err, errUnsent):
		return nil
	case cctx.Err() != nil && ctx.Err() == nil:
		p.note("interrupted; the command's response will be dropped when it comes")
		return nil
	}
	return err
}

// errUnsent is send's answer for a command that could not be built.
var errUnsent = errors.New("command not sent")

// send sends one typed command and prints what it produced.
func send(ctx context.Context, sess Session, p *printer, tc *typedCommand) error {
	args, err := tc.values()
	if err != nil {
		p.note(err.Error())
		return errUnsent
	}
	untagged, tagged, err := sess.Command(ctx, args...)
	for _, u := range untagged {
		p.show(u)
	}
	if tagged != nil {
		p.show(tagged)
	}
	// An error without a tagged answer (the connection lost) ends the run
	// and is reported on stderr as the run's error, not among responses.
	p.nextCommand()
	return err
}
