package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// accountArgs returns the connection flags for a fresh user of the test
// Dovecot, and the user.
func accountArgs(t *testing.T, srv *testenv.Server) ([]string, testenv.User) {
	u := srv.NewUser(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"-addr", srv.IMAPSAddr(), "-user", u.Name, "-pass-cmd", "printf %s " + u.Password, "-ca", ca}, u
}

// TestREPL runs a short session: the answers of each command are printed.
func TestREPL(t *testing.T) {
	srv := testenv.Dovecot(t)
	args, u := accountArgs(t, srv)
	srv.SaveMessage(t, u.Name, "INBOX", []byte("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nhi\r\n"))
	in := strings.NewReader("STATUS INBOX (MESSAGES)\nSELECT INBOX\nUID FETCH 1:* (FLAGS ENVELOPE)\nFROB\nLOGOUT\n")
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, args, in, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"* STATUS INBOX (MESSAGES 1)", "* 1 EXISTS", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "BAD", "* BYE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
