package cli

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/gmailsim"
)

// TestGmailConnectionsAndID: against the Gmail double, with connections
// left unset, a sync sends ID and uses up to config.GmailConnections
// connections (never more); a written connections value is kept.
func TestGmailConnectionsAndID(t *testing.T) {
	for _, set := range []string{"", "connections = 2\n"} {
		w := newWorld(t)
		sim, err := gmailsim.Start(gmailsim.Options{User: "me@gmail.com", AppPassword: "app-pw"})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		for i := range 10 {
			sim.Add(gmailsim.Message{Body: fmt.Appendf(nil, "Message-ID: <%d@example.com>\n\nx\n", i), Labels: []string{fmt.Sprintf("L%d", i)}})
		}
		host, port, _ := net.SplitHostPort(sim.Addr())
		w.writeConfig(fmt.Sprintf("[accounts.work]\nhost = %q\nport = %s\ntls = \"plaintext-insecure\"\nuser = \"me@gmail.com\"\npassword = \"app-pw\"\nmaildir = %q\n%s",
			host, port, filepath.Join(w.dir, "Maildir"), set))
		w2 := &oauthWorld{world: w}
		code, out, errOut := w2.runConcurrent("sync", "work")
		if code != ExitOK {
			t.Fatalf("sync: exit %d\n%s\n%s", code, out, errOut)
		}
		st := sim.Stats()
		limit := config.GmailConnections
		if set != "" {
			limit = 2
		}
		if st.IDs == 0 || st.PeakLoggedIn > limit || st.PeakLoggedIn == 0 {
			t.Errorf("connections %q: stats %+v, want ID sent and at most %d connections", strings.TrimSpace(set), st, limit)
		}
	}
}

func TestConnectionsFor(t *testing.T) {
	a := config.Account{Connections: 4}
	if a.ConnectionsFor(false) != 4 || a.ConnectionsFor(true) != config.GmailConnections {
		t.Errorf("unset: %d %d", a.ConnectionsFor(false), a.ConnectionsFor(true))
	}
	a.ConnectionsSet = true
	if a.ConnectionsFor(true) != 4 {
		t.Errorf("set: %d", a.ConnectionsFor(true))
	}
}
