package cli

import (
	"io"

	"github.com/imapdir/imapdir/internal/config"
	"log/slog"
)

// Logs are the diagnostic outputs of a run, chosen by -v and -q.
type Logs struct {
	// Logger receives diagnostics: warnings by default and with -v (whose
	// mailbox lines and notes the reporter shows), info with -vv, debug
	// with -vvv, errors only with -q.
	Logger *slog.Logger
	// Trace receives the IMAP protocol trace ("C: …" / "S: …" lines,
	// LOGIN and AUTHENTICATE arguments redacted by the client) with -vvv;
	// nil otherwise.
	Trace io.Writer
	// Secret, when set, registers a secret of acct learnt while running
	// (a password_command's or token_command's output), so that the
	// output redacts it in every form sent (see redact.go).
	Secret func(acct *config.Account, secret string)
}

// Verbosity levels of -v: -v a line per mailbox (ui.VerboseMailboxes),
// -vv a line per message action (ui.VerboseMessages) and info logs, -vvv
// the protocol trace and debug logs.
const (
	verboseInfo  = 2
	verboseTrace = 3
)

// logs builds the run's Logs on the (redacted) error stream.
func (st *runState) logs() Logs {
	level := slog.LevelWarn
	switch {
	case st.flags.quiet:
		level = slog.LevelError
	case st.flags.verbose >= verboseTrace:
		level = slog.LevelDebug
	case st.flags.verbose == verboseInfo:
		level = slog.LevelInfo
	}
	h := slog.NewTextHandler(st.errOut(), &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime})
	l := Logs{Logger: slog.New(h), Secret: st.addSecret}
	if st.flags.verbose >= verboseTrace {
		l.Trace = st.errOut()
	}
	return l
}

// dropTime leaves the time out of log lines: they go to a terminal or a
// journal that stamps them already.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
