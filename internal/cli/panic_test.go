package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
)

// TestPanicIsNotExitUsage: a panic on the command's goroutine (here in
// opening the connection) ends the run with ExitFailure and a one-line
// message, never with Go's exit code 2, which means a usage error here.
func TestPanicIsNotExitUsage(t *testing.T) {
	w := newWorld(t)
	w.connect = func(context.Context, *config.Account, Logs, func(*imap.Response)) (Session, error) {
		panic("connect exploded")
	}
	code, _, errOut := w.run("raw", "work", "-c", "NOOP")
	if code != ExitFailure || !strings.Contains(errOut, "panic: connect exploded") {
		t.Fatalf("exit %d, stderr %q; want %d and the panic named", code, errOut, ExitFailure)
	}
}
