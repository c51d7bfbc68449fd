package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
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

// TestGmailLabelFoldersToday: gmail = "folders", label folders synced
// as folders, as the README's Gmail section says: a second
// run has nothing to do; a label removed on the server removes the
// message from that folder only; a message deleted locally in a label
// folder loses that label on Gmail and stays in All Mail (Gmail's rule).
func TestGmailLabelFoldersToday(t *testing.T) {
	w := newWorld(t)
	sim, err := gmailsim.Start(gmailsim.Options{User: "me@gmail.com", AppPassword: "app-pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var ids []uint64
	for i := range 10 {
		ids = append(ids, sim.Add(gmailsim.Message{Body: fmt.Appendf(nil, "Message-ID: <%d@example.com>\n\nx\n", i), Labels: []string{`\Inbox`, "Work"}}))
	}
	host, port, _ := net.SplitHostPort(sim.Addr())
	w.writeConfig(fmt.Sprintf("[accounts.work]\nhost = %q\nport = %s\ntls = \"plaintext-insecure\"\nuser = \"me@gmail.com\"\npassword = \"app-pw\"\nmaildir = %q\ngmail = \"folders\"\nfolders = [\"INBOX\", \"Work\"]\n",
		host, port, filepath.Join(w.dir, "Maildir")))
	ow := &oauthWorld{world: w}
	sync := func(want string) {
		t.Helper()
		code, out, errOut := ow.runConcurrent("sync", "work")
		if code != ExitOK || !strings.Contains(out, want) {
			t.Fatalf("sync: exit %d, want %q in\n%s\n%s", code, want, out, errOut)
		}
	}
	sync("20 changes")
	sync("no changes")
	sim.SetLabels(ids[0], nil, []string{"Work"})
	sync("work/Work: pulled 1 deleted")
	files, err := filepath.Glob(filepath.Join(w.dir, "Maildir", "Work", "new", "*"))
	if err != nil || len(files) != 9 {
		t.Fatalf("local Work: %d files, %v", len(files), err)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	sync("work/Work: pushed 1 deleted")
	gone := 0
	for _, id := range ids {
		labels := sim.Labels(id)
		if !sim.Exists(id) || slices.Contains(labels, `\Trash`) {
			t.Errorf("message %d deleted or trashed: %q", id, labels)
		}
		if !slices.Contains(labels, "Work") {
			gone++
		}
	}
	if gone != 2 {
		t.Errorf("%d messages without the Work label, want 2", gone)
	}
}
