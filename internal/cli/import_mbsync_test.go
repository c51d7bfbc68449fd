package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// mbsyncRig is a Dovecot user whose mail the real mbsync (Debian's isync)
// has synchronized into a Maildir, and an imapdir config for the same
// account and Maildir.
type mbsyncRig struct {
	*world
	srv     *testenv.Server
	user    testenv.User
	maildir string
	rc      string
}

// mbsyncFolders are the server mailboxes the rig fills: one non-ASCII,
// one nested.
var mbsyncFolders = []string{"INBOX", "Archive/2024", "Entwürfe", "Sent"}

// newMbsyncRig seeds perFolder messages into each of mbsyncFolders and
// runs mbsync once (SubFolders Verbatim, INBOX inside the Maildir root).
func newMbsyncRig(t *testing.T, perFolder int) *mbsyncRig {
	t.Helper()
	mbsync, err := exec.LookPath("mbsync")
	if err != nil {
		t.Fatalf("mbsync is missing: install Debian's isync (apt-get install isync): %v", err)
	}
	_ = mbsync
	srv := testenv.Dovecot(t)
	r := &mbsyncRig{world: newWorld(t), srv: srv, user: srv.NewUser(t)}
	r.maildir = filepath.Join(r.dir, "Mail")
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for fi, box := range mbsyncFolders {
		if box != "INBOX" {
			srv.CreateMailbox(t, r.user.Name, box)
		}
		raws := make([][]byte, perFolder)
		for i := range raws {
			raws[i] = []byte(fmt.Sprintf("Message-ID: <m%d-%d@example.com>\r\nFrom: a@example.com\r\n"+
				"Subject: message %d of folder %d\r\n\r\nbody %d\r\n", fi, i, i, fi, i))
		}
		srv.DeliverMessages(t, r.user.Name, box, date, raws...)
	}
	if err := os.MkdirAll(r.maildir, 0o700); err != nil {
		t.Fatal(err)
	}
	r.rc = filepath.Join(r.dir, "mbsyncrc")
	rc := fmt.Sprintf(`IMAPAccount test
Host 127.0.0.1
Port %d
User %s
Pass %s
SSLType None
AuthMechs PLAIN

IMAPStore far
Account test

MaildirStore near
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel test
Far :far:
Near :near:
Patterns *
Create Near
Sync All
Expunge Both
SyncState *
`, srv.IMAPPort(), r.user.Name, r.user.Password, r.maildir, r.maildir)
	if err := os.WriteFile(r.rc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	r.runMbsync()
	r.writeConfig(fmt.Sprintf(`[accounts.work]
host = "127.0.0.1"
port = %d
tls = "plaintext-insecure"
user = %q
password = %q
maildir = %q
layout = "fs-mutf7"
`, srv.IMAPPort(), r.user.Name, r.user.Password, r.maildir))
	return r
}

// runMbsync runs mbsync over the rig's channel and fails the test if it
// fails.
func (r *mbsyncRig) runMbsync() {
	r.t.Helper()
	cmd := exec.Command("mbsync", "-c", r.rc, "-a")
	cmd.Env = append(os.Environ(), "HOME="+r.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("mbsync: %v\n%s", err, out)
	}
}

func TestImportMbsyncExplore(t *testing.T) {
	r := newMbsyncRig(t, 3)
	out, _ := exec.Command("find", r.maildir).CombinedOutput()
	t.Log(string(out))
	b, _ := exec.Command("sh", "-c", "for f in $(find "+r.maildir+" -name '.mbsync*' -o -name .uidvalidity); do echo == $f; cat $f; done").CombinedOutput()
	t.Log(strings.ReplaceAll(string(b), r.maildir, "$M"))
}
