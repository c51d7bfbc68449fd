// Package cli is the imapdir command: cobra commands, flags, exit codes and the
// wiring of config, stores, state database, engine and terminal output.
// Package main only calls Main; everything here is testable in-process with
// an App whose streams, clock and Backends a test chooses.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imapdir/imapdir/internal/config"
)

// Exit codes of the imapdir command (documented in --help).
const (
	ExitOK      = 0 // everything done
	ExitFailure = 1 // the run failed (connection, login, lock, state …)
	ExitUsage   = 2 // bad command line or configuration
	ExitPartial = 3 // partly done: some accounts or mailboxes failed
	// ExitHeld: everything else done, but a safety rule held changes back
	// (deletions past the deletion guard, a local mailbox found emptied or
	// missing); --force carries them out. Failures take precedence.
	ExitHeld = 4
	// ExitInterrupted: stopped by SIGINT or SIGTERM; what was done is
	// recorded and the next run continues (128 + SIGINT, as shells do).
	ExitInterrupted = 130
)

// App is one invocation of the command with its environment. The zero
// value is not usable: set the streams; Main fills everything for a
// process.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Env is what config expansion sees; zero means config.OSEnv().
	Env config.Env
	// Now is the clock for output; nil means time.Now.
	Now func() time.Time
	// Backends opens stores and connections; zero fields mean the real ones.
	Backends Backends
	// ProgressSignal delivers a request to print a progress line (SIGUSR1);
	// nil means none.
	ProgressSignal <-chan os.Signal
	// ReloadSignal starts delivering the requests to read the
	// configuration again (SIGHUP) to a running watch, until stop is
	// called; nil means never. Other commands leave SIGHUP alone.
	ReloadSignal func() (ch <-chan os.Signal, stop func())
}

// exitError carries an exit code; msg "" means the problem was already
// shown (by the reporter) and only the code remains.
type exitError struct {
	code int
	msg  string
	err  error
}

// Error returns the message ("" when already shown).
func (e *exitError) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *exitError) Unwrap() error { return e.err }

// usageErr returns an error that exits with ExitUsage.
func usageErr(err error) error {
	return &exitError{code: ExitUsage, msg: err.Error(), err: err}
}

// Run runs the command line args (without the program name) and returns
// the exit code. ctx canceled (SIGINT, SIGTERM) stops the work cleanly.
func (a *App) Run(ctx context.Context, args []string) (code int) {
	defer func() {
		// A crash is never ExitUsage (Go's own exit code for a panic):
		// a panic on this goroutine is a failed run. Mailbox goroutines
		// recover their own (syncer), and so does the IMAP reader.
		if p := recover(); p != nil {
			fmt.Fprintf(a.Stderr, "imapdir: internal error (a bug; please report it): panic: %v\n", p)
			code = ExitFailure
		}
	}()
	a.defaults()
	st := &runState{app: a}
	root := st.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code, msg := st.classify(err)
	if msg != "" {
		_, _ = io.WriteString(st.errOut(), "imapdir: "+msg+"\n")
	}
	return code
}

func (a *App) defaults() {
	if a.Env.Lookup == nil {
		a.Env = config.OSEnv()
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Stdin == nil {
		a.Stdin = strings.NewReader("")
	}
	a.Backends = a.Backends.withDefaults()
}

// classify maps an error to an exit code and the line to print.
func (st *runState) classify(err error) (int, string) {
	var ee *exitError
	var ce *config.Error
	var conn *connectError
	switch {
	case errors.As(err, &ce):
		return ExitUsage, problems(err) // each FILE:LINE
	case errors.As(err, &ee):
		return ee.code, oneLine(ee.msg)
	case errors.As(err, &conn):
		return ExitFailure, conn.Error()
	case !st.started:
		return ExitUsage, usageLine(err.Error()) // cobra: unknown command or flag
	case errors.Is(err, context.Canceled):
		return ExitInterrupted, "interrupted; the next run continues"
	}
	return ExitFailure, oneLine(err.Error())
}

// problems returns the text of a configuration error: one line per
// problem, each naming file and line, under a first line saying what failed.
func problems(err error) string {
	return "bad configuration:\n  " + strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "\n  ")
}

// usageLine puts cobra's unknown-command message on one line, its
// suggestions as a question: `unknown command "lst" for "imapdir"; did you
// mean "list"? (imapdir --help lists the commands)`.
func usageLine(msg string) string {
	head, sugg, found := strings.Cut(msg, "Did you mean this?")
	if !found {
		if strings.HasPrefix(msg, "unknown command") {
			return oneLine(msg) + " (imapdir --help lists the commands)"
		}
		return oneLine(msg)
	}
	names := strings.Fields(sugg)
	for i, n := range names {
		names[i] = strconv.Quote(n)
	}
	return oneLine(head) + "; did you mean " + strings.Join(names, " or ") + "?"
}

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// Main runs the imapdir command for this process and returns its exit
// code: SIGINT and SIGTERM cancel the run cleanly (a second one kills at
// once, as Go's default does), SIGUSR1 prints a progress line.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore the default: a second Ctrl-C ends the process
	}()
	app := &App{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		ProgressSignal: progressSignal(),
		ReloadSignal:   reloadSignal,
	}
	return app.Run(ctx, os.Args[1:])
}
