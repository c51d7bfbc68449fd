package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCommonWordPasswordDoesNotMangleOutput: a password that is an ordinary
// word ("test") must neither appear in output nor be replaced in unrelated
// text: a mailbox named "test" must be reported as "test" (in the table, in
// --json and by list), else scripts break and "[redacted]" tells an onlooker
// the password.
func TestCommonWordPasswordDoesNotMangleOutput(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	user := fmt.Sprintf("wordpw%d", time.Now().UnixNano())
	a.srv.AddUser(t, user, "test")
	a.writeConfig(fmt.Sprintf(`[accounts.work]
host = "127.0.0.1"
port = %d
tls = "implicit"
ca_file = %q
user = %q
password = "test"
maildir = %q
`, a.srv.IMAPSPort(), filepath.Join(a.dir, "ca.pem"), user, a.maildir))
	a.srv.CreateMailbox(t, user, "test")
	a.srv.SaveMessage(t, user, "test", message("a message in test"))

	r := a.run("--json", "sync").must(t, 0)
	found := false
	for _, ev := range jsonEvents(t, r.stdout)["mailbox_done"] {
		if ev["mailbox"] == "test" {
			found = true
		}
	}
	if !found {
		t.Errorf("--json sync reports no mailbox_done for mailbox \"test\":\n%s", r.stdout)
	}
	for _, args := range [][]string{{"sync"}, {"--json", "sync"}, {"-vvv", "sync"}, {"list", "work"}} {
		r := a.run(args...)
		if out := r.stdout + r.stderr; strings.Contains(out, "[redacted]") {
			t.Errorf("imapdir %s replaced an ordinary word by [redacted]:\n%s", strings.Join(args, " "), out)
		}
	}
	// An untrusted certificate's issuer ("imapdir test CA …") is shown as is.
	os.Remove(filepath.Join(a.dir, "ca.pem"))
	cfg, _ := os.ReadFile(a.config)
	a.writeConfig(strings.Replace(string(cfg), "ca_file", "# ca_file", 1))
	if r := a.run("sync"); strings.Contains(r.stderr, "[redacted]") {
		t.Errorf("certificate error mangled:\n%s", r.stderr)
	}
}
