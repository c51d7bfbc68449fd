package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// An account reached through tunnel = "…/imap" (Dovecot's imap binary on
// the command's stdin and stdout, greeting with PREAUTH) syncs both ways
// with no host, no TLS and no password.
func TestSyncThroughTunnel(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	srv, user := a.srv, a.user.Name
	for _, s := range []string{"one", "two"} {
		srv.SaveMessage(t, user, "INBOX", message(s))
	}
	cmd := srv.PreauthCommand(context.Background(), user)
	var words []string
	for _, w := range append(cmd.Env[len(cmd.Env)-2:], cmd.Args...) { // USER and HOME are added last
		words = append(words, shellQuote(w))
	}
	tunnel := "exec env " + strings.Join(words, " ") + " 2>>" + shellQuote(srv.LogPath())
	a.writeConfig(fmt.Sprintf("[accounts.work]\ntunnel = %q\nmaildir = %q\n", tunnel, a.maildir))
	r := a.run("sync").must(t, 0)
	if n := countIn(maildirFiles(t, a.maildir), "INBOX"); n != 2 {
		t.Fatalf("the Maildir's INBOX holds %d messages after a sync through the tunnel, want 2\n%s%s", n, r.stdout, r.stderr)
	}
	writeLocal(t, a.maildir, "INBOX", "1700000000.M3P1.test", message("written locally"))
	a.run("sync").must(t, 0)
	if st := srv.MailboxStatus(t, user, "INBOX"); st["messages"] != "3" {
		t.Errorf("the server's INBOX holds %s messages, want 3", st["messages"])
	}
	r = a.run("raw", "work", "-c", "NOOP").must(t, 0)
	if !strings.Contains(r.stdout, "OK") {
		t.Errorf("raw through the tunnel:\n%s", r.stdout)
	}
	// A tunnel that fails names itself and what it said.
	bad := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(bad, []byte(fmt.Sprintf("[accounts.work]\ntunnel = %q\nmaildir = %q\n",
		"echo 'ssh: connect to host nowhere port 22: Connection refused' >&2; exit 255", a.maildir)), 0o600)
	r = runBinary(t, "--config", bad, "sync")
	if r.code == 0 || !strings.Contains(r.stderr+r.stdout, "Connection refused") {
		t.Errorf("a failing tunnel: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r.noStackTrace(t)
}
