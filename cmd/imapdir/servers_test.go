package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

// TestSyncOtherServers: the binary syncs with Cyrus and Courier over
// implicit TLS verified against the harness CA: mail in two mailboxes
// reaches the Maildir, a second run changes nothing, and a message
// written locally reaches the server.
func TestSyncOtherServers(t *testing.T) {
	for _, kind := range []testenv.Kind{testenv.KindCyrus, testenv.KindCourier} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := testenv.Shared(t, kind).(*testenv.OtherServer)
			u := srv.NewUser(t)
			config, maildir := writeAccount(t, t.TempDir(), srv, u, "")
			run := func(args ...string) result {
				return runBinary(t, append([]string{"--config", config}, args...)...)
			}
			srv.CreateMailbox(t, u.Name, "Archive/2024")
			srv.SaveMessages(t, u.Name, "INBOX", message("one"), message("two"))
			srv.SaveMessage(t, u.Name, "Archive/2024", message("old"))

			r := run("sync").must(t, 0)
			files := maildirFiles(t, maildir)
			if countIn(files, "INBOX") != 2 || countIn(files, "Archive/2024") != 1 {
				t.Fatalf("after the first sync the Maildir holds %v\n%s%s", files, r.stdout, r.stderr)
			}
			r = run("--json", "sync").must(t, 0)
			if done := jsonEvents(t, r.stdout)["done"]; len(done) != 1 || done[0]["changes"].(float64) != 0 {
				t.Errorf("second sync: want a done event with 0 changes, got %v\n%s", done, r.stdout)
			}

			local := filepath.Join(maildir, "INBOX", "new", "1700000000.M1P1.test")
			if err := os.WriteFile(local, message("written locally"), 0o600); err != nil {
				t.Fatal(err)
			}
			run("sync").must(t, 0)
			uids := srv.UIDs(t, u.Name, "INBOX")
			if len(uids) != 3 {
				t.Fatalf("INBOX on the server holds %d messages, want 3", len(uids))
			}
			if text := srv.FetchText(t, u.Name, "INBOX", uids[2]); !strings.Contains(string(text), "written locally") {
				t.Errorf("newest server message is %q, want the local one", text)
			}
		})
	}
}
