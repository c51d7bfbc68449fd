package imapclient

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// preauthTunnel returns a shell command that runs Dovecot's imap binary
// for user on its stdin and stdout, as "ssh host /usr/lib/dovecot/imap"
// would.
func preauthTunnel(t *testing.T, srv *testenv.Server, user string) string {
	cmd := srv.PreauthCommand(context.Background(), user)
	var words []string
	for _, e := range cmd.Env[len(cmd.Env)-2:] { // USER and HOME, added last
		words = append(words, shellQuote(e))
	}
	for _, a := range cmd.Args {
		words = append(words, shellQuote(a))
	}
	return "exec env " + strings.Join(words, " ") + " 2>>" + shellQuote(srv.LogPath())
}

// Over a tunnel the server greets with PREAUTH: no TLS, no login, and the
// connection works; Close ends the command.
func TestTunnelPreauth(t *testing.T) {
	t.Parallel()
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	c, err := Dial(testCtx(t), "tunnel", &Options{InsecurePlaintext: true, Dialer: TunnelDialer(preauthTunnel(t, srv, u.Name))})
	if err != nil {
		t.Fatal(err)
	}
	if c.State() != StateAuthenticated {
		t.Errorf("state %q after a PREAUTH greeting", c.State())
	}
	sd, err := c.Select(testCtx(t), "INBOX", nil)
	if err != nil || sd.Exists != 1 {
		t.Fatalf("SELECT INBOX over the tunnel: %v, %+v", err, sd)
	}
	tc := c.conn.(*tunnelConn)
	c.Close()
	<-tc.exited // the command ended (a test deadline bounds the wait)
}

// A tunnel command that fails says so, with the last line it wrote on
// stderr.
func TestTunnelCommandFails(t *testing.T) {
	t.Parallel()
	_, err := Dial(testCtx(t), "tunnel", &Options{InsecurePlaintext: true,
		Dialer: TunnelDialer("echo 'ssh: Could not resolve hostname nowhere' >&2; exit 255")})
	var ce *ConnError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "Could not resolve hostname nowhere") ||
		!strings.Contains(err.Error(), "exit status 255") {
		t.Errorf("error %v", err)
	}
}
