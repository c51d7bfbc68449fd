package cli

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
)

// Logs are the diagnostic outputs of a run, chosen by -v and -q.
type Logs struct {
	// Logger receives diagnostics: warnings by default, info with -v,
	// debug with -vv, errors only with -q.
	Logger *slog.Logger
	// Trace receives the IMAP protocol trace ("C: …" / "S: …" lines,
	// LOGIN and AUTHENTICATE arguments redacted by the client) with -vvv;
	// nil otherwise.
	Trace io.Writer
	// Reveal, when not nil, registers a secret obtained while running (an
	// OAuth 2 token) so that no output shows it.
	Reveal func(secret string)
}

// Verbosity levels of -v.
const (
	verboseInfo  = 1
	verboseDebug = 2
	verboseTrace = 3
)

// logs builds the run's Logs on the (redacted) error stream.
func (st *runState) logs() Logs {
	level := slog.LevelWarn
	switch {
	case st.flags.quiet:
		level = slog.LevelError
	case st.flags.verbose >= verboseDebug:
		level = slog.LevelDebug
	case st.flags.verbose == verboseInfo:
		level = slog.LevelInfo
	}
	h := slog.NewTextHandler(st.errOut(), &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime})
	l := Logs{Logger: slog.New(h), Reveal: st.reveal}
	if st.flags.verbose >= verboseTrace {
		l.Trace = st.errOut()
	}
	return l
}

// reveal registers a secret with both output redactors.
func (st *runState) reveal(secret string) {
	for _, r := range []*redactor{st.out, st.err} {
		if r != nil {
			r.add(secret)
		}
	}
}

// dropTime leaves the time out of log lines: they go to a terminal or a
// journal that stamps them already.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// redactor is an io.Writer that replaces known secrets (passwords from the
// configuration) with "[redacted]" before they reach the terminal: a
// second line of defence behind the client's own trace redaction, for
// anything that might echo a password (a server's error text, a trace).
type redactor struct {
	w       io.Writer
	mu      sync.Mutex
	secrets [][]byte
}

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// add registers a secret; empty and very short ones (which would redact
// ordinary words) are ignored.
func (r *redactor) add(secret string) {
	if len(secret) < 4 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, []byte(secret))
}

// Write writes p with every secret replaced. It reports len(p) on success
// so callers see a complete write.
func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("[redacted]"))
		}
	}
	r.mu.Unlock()
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
