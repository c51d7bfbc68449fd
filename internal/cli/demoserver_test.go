package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/demoserver"
)

// demoWorld is a world whose account "demo" points at a demo server (the
// go-imap memory server: no LIST-STATUS, no SPECIAL-USE, lower-cased flags),
// with the real backends.
func demoWorld(t *testing.T) (*world, *demoserver.Server) {
	t.Helper()
	srv, err := demoserver.Start(context.Background(), demoserver.Options{Messages: 40})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w := newWorld(t)
	w.writeConfig(fmt.Sprintf(`[accounts.demo]
host = "127.0.0.1"
port = %d
tls = "plaintext-insecure"
user = %q
password = %q
maildir = %q
`, srv.Port(), srv.User(), srv.Password(), w.dir+"/Maildir"))
	return w, srv
}

func TestListAgainstTheDemoServer(t *testing.T) {
	w, srv := demoWorld(t)
	code, out, errOut := w.runReal("--json", "list", "demo")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got := map[string]mailboxLine{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r mailboxLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got[r.Mailbox] = r
	}
	for _, m := range srv.Seeded() {
		r, ok := got[m.Name]
		if !ok || int(r.Messages) != m.Messages || int(r.Unseen) != m.Unseen || !r.Selected {
			t.Errorf("%s: listed %+v, seeded %d messages, %d unseen", m.Name, r, m.Messages, m.Unseen)
		}
	}
}

func TestRawAgainstTheDemoServer(t *testing.T) {
	w, _ := demoWorld(t)
	code, out, errOut := w.runReal("raw", "demo", "-c", "SELECT Entw&APw-rfe", "-c", "UID FETCH 1 (FLAGS ENVELOPE)")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "EXISTS") || !strings.Contains(out, "* 1 FETCH") || !strings.Contains(out, "ENVELOPE (") {
		t.Errorf("raw output:\n%s", out)
	}
}
