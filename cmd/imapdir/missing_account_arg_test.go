package main

import (
	"strings"
	"testing"
)

// A command run without its ACCOUNT argument answers with cobra's
// "accepts 1 arg(s), received 0", which does not say what is missing.
func TestMissingAccountArgumentSaysWhatIsMissing(t *testing.T) {
	for _, args := range [][]string{{"log"}, {"raw"}, {"import", "mbsync"}, {"import", "match"}, {"auth"}} {
		r := runBinary(t, args...)
		if r.code != 2 {
			t.Errorf("imapdir %s: exit %d, want 2", strings.Join(args, " "), r.code)
		}
		if strings.Contains(r.stderr, "arg(s)") || !strings.Contains(r.stderr, "ACCOUNT") {
			t.Errorf("imapdir %s: %q does not say an ACCOUNT is missing", strings.Join(args, " "), strings.TrimSpace(r.stderr))
		}
	}
}

// "imapdir raw" reports a lost connection on stdout, mixed with the
// server's responses, instead of on stderr like every other error.
func TestRawConnectionLostGoesToStderr(t *testing.T) {
	a := newAccount(t, "")
	r := a.run("raw", "work", "-c", "LOGOUT", "-c", "NOOP")
	if strings.Contains(r.stdout, "imapdir:") {
		t.Errorf("error printed on stdout:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// With a configuration, the message names the accounts it has.
func TestMissingAccountArgumentNamesTheAccounts(t *testing.T) {
	a := newAccount(t, "")
	r := a.run("log")
	if r.code != 2 || !strings.Contains(r.stderr, "missing ACCOUNT") || !strings.Contains(r.stderr, "work") {
		t.Errorf("exit %d, stderr %q: want 2 and the accounts named", r.code, r.stderr)
	}
}
