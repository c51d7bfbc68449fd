package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// TestKeywordsXKeywordsDovecot: keywords = "x-keywords" on a server that
// is not Gmail (Dovecot): IMAP keywords are written into each file's
// X-Keywords header (system flags stay letters, no dovecot-keywords
// file), a keyword set on the server rewrites that header, and a header
// edited locally sets and clears keywords on the server.
func TestKeywordsXKeywordsDovecot(t *testing.T) {
	srv := testenv.Dovecot(t)
	user := srv.NewUser(t)
	w := newWorld(t)
	maildir := filepath.Join(w.dir, "Mail")
	raw := func(i int) []byte {
		return fmt.Appendf(nil, "Message-ID: <k%d@example.com>\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i, i)
	}
	uids := srv.DeliverMessages(t, user.Name, "INBOX", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), raw(0), raw(1))
	srv.SetFlags(t, user.Name, "INBOX", uids[0], `\Seen`, "work")
	w.writeConfig(fmt.Sprintf("[accounts.work]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"plaintext-insecure\"\nuser = %q\npassword = %q\nmaildir = %q\nkeywords = \"x-keywords\"\n",
		srv.IMAPPort(), user.Name, user.Password, maildir))
	sync := func() {
		t.Helper()
		if code, out, errOut := w.runReal("sync", "work"); code != 0 {
			t.Fatalf("sync: exit %d\n%s\n%s", code, out, errOut)
		}
	}
	sync()
	file := func(i int) string {
		t.Helper()
		for _, sub := range []string{"cur", "new"} {
			dir := filepath.Join(maildir, "INBOX", sub)
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				if strings.HasPrefix(string(b), fmt.Sprintf("Message-ID: <k%d@", i)) {
					return filepath.Join(dir, e.Name())
				}
			}
		}
		t.Fatalf("no local file for message %d", i)
		return ""
	}
	p0 := file(0)
	if b, _ := os.ReadFile(p0); !strings.Contains(string(b), "\nX-Keywords: work\n") || !strings.HasSuffix(p0, ":2,S") {
		t.Fatalf("message 0 (%s):\n%s", p0, b)
	}
	if _, err := os.Stat(filepath.Join(maildir, "INBOX", "dovecot-keywords")); !os.IsNotExist(err) {
		t.Errorf("dovecot-keywords exists (%v)", err)
	}

	srv.AddFlags(t, user.Name, "INBOX", uids[1], "urgent")
	sync()
	if b, _ := os.ReadFile(file(1)); !strings.Contains(string(b), "\nX-Keywords: urgent\n") {
		t.Errorf("message 1 after the server set a keyword:\n%s", b)
	}

	b, _ := os.ReadFile(p0)
	edited := strings.Replace(string(b), "X-Keywords: work\n", "X-Keywords: later\n", 1)
	tmp := filepath.Join(maildir, "INBOX", "tmp", "edit")
	if err := os.WriteFile(tmp, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p0); err != nil {
		t.Fatal(err)
	}
	sync()
	flags := srv.MessageFlags(t, user.Name, "INBOX", uids[0])
	if !slices.Contains(flags, "later") || slices.Contains(flags, "work") || !slices.Contains(flags, `\Seen`) {
		t.Errorf("server flags after the local edit: %q", flags)
	}
	if st := srv.MailboxStatus(t, user.Name, "INBOX"); st["messages"] != "2" {
		t.Errorf("server mailbox: %v (an edit must not upload a copy)", st)
	}
}
