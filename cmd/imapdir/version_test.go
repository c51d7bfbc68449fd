package main

import (
	"strings"
	"testing"
)

// TestVersionFlag: `imapdir --version` prints what `imapdir version`
// prints, exit 0, as users of other tools type it.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	cmd := runBinary(t, "version").must(t, 0)
	flag := runBinary(t, "--version").must(t, 0)
	if !strings.HasPrefix(cmd.stdout, "imapdir ") || flag.stdout != cmd.stdout {
		t.Errorf("--version printed %q, version printed %q", flag.stdout, cmd.stdout)
	}
}
