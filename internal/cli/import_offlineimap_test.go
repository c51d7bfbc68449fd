package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// offlineimapRig is a Dovecot user whose mail the real OfflineIMAP
// (Debian's offlineimap3) has synchronized into a Maildir, and an imapdir
// config for the same account and Maildir.
type offlineimapRig struct {
	*mbsyncRig
	rc   string
	meta string // OfflineIMAP's metadata directory
}

// newOfflineimapRig seeds perFolder messages into each of mbsyncFolders
// and runs OfflineIMAP once (sep ".", names left in modified UTF-7, its
// SQLite LocalStatus).
func newOfflineimapRig(t *testing.T, perFolder int) *offlineimapRig {
	t.Helper()
	return newOfflineimapRigSep(t, perFolder, ".")
}

// newOfflineimapRigSep is newOfflineimapRig with the Maildir's "sep" (the
// layout "dots-mutf7" for ".", "fs-mutf7" for "/").
func newOfflineimapRigSep(t *testing.T, perFolder int, sep string) *offlineimapRig {
	t.Helper()
	if _, err := exec.LookPath("offlineimap"); err != nil {
		t.Fatalf("offlineimap is missing: install Debian's offlineimap3 (apt-get install offlineimap3): %v", err)
	}
	srv := testenv.Dovecot(t)
	layout := "dots-mutf7"
	if sep == "/" {
		layout = "fs-mutf7"
	}
	r := &offlineimapRig{mbsyncRig: &mbsyncRig{world: newWorld(t), srv: srv, user: srv.NewUser(t), layout: layout}}
	r.maildir = filepath.Join(r.dir, "Mail")
	r.meta = filepath.Join(r.dir, "offlineimap")
	seedFolders(t, srv, r.user, perFolder)
	for _, d := range []string{r.maildir, r.meta} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	r.rc = filepath.Join(r.dir, "offlineimaprc")
	rc := fmt.Sprintf(`[general]
accounts = test
metadata = %s
fsync = false

[Account test]
localrepository = near
remoterepository = far

[Repository near]
type = Maildir
localfolders = %s
sep = %s

[Repository far]
type = IMAP
remotehost = 127.0.0.1
remoteport = %d
remoteuser = %s
remotepass = %s
ssl = no
starttls = no
`, r.meta, r.maildir, sep, srv.IMAPPort(), r.user.Name, r.user.Password)
	if err := os.WriteFile(r.rc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	r.runOfflineimap()
	r.configFor(r.user)
	return r
}

// seedFolders delivers perFolder messages into each of mbsyncFolders,
// creating them.
func seedFolders(t *testing.T, srv *testenv.Server, u testenv.User, perFolder int) {
	t.Helper()
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for fi, box := range mbsyncFolders {
		if box != "INBOX" {
			srv.CreateMailbox(t, u.Name, box)
		}
		raws := make([][]byte, perFolder)
		for i := range raws {
			raws[i] = []byte(fmt.Sprintf("Message-ID: <m%d-%d@example.com>\r\nFrom: a@example.com\r\n"+
				"Subject: message %d of folder %d\r\n\r\nbody %d\r\n", fi, i, i, fi, i))
		}
		srv.DeliverMessages(t, u.Name, box, date, raws...)
	}
}

// runOfflineimap runs OfflineIMAP once over the rig's account and fails
// the test if it fails.
func (r *offlineimapRig) runOfflineimap() {
	r.t.Helper()
	cmd := exec.Command("offlineimap", "-c", r.rc, "-o", "-u", "quiet")
	cmd.Env = append(os.Environ(), "HOME="+r.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("offlineimap: %v\n%s", err, out)
	}
}

// TestImportOfflineimapAdoptsWithoutCopying: a Maildir the real
// OfflineIMAP made (1 000 messages in 4 folders, one non-ASCII, one
// nested; sep ".", SQLite LocalStatus) is adopted; the next sync copies no
// body, touches no local file and changes nothing on the server; then
// changes on both sides go through the adopted folders.
func TestImportOfflineimapAdoptsWithoutCopying(t *testing.T) {
	r := newOfflineimapRig(t, 250)
	r.srv.AddFlags(t, r.user.Name, "INBOX", 3, `\Seen`)
	r.srv.AddFlags(t, r.user.Name, "Entwürfe", 2, `\Flagged`, `\Seen`)
	r.runOfflineimap() // the flags reach the Maildir and OfflineIMAP's status
	checkAdoption(t, r.mbsyncRig, []string{"offlineimap", "work", "--from", r.maildir, "--status", r.meta}, "Archive.2024")
}

// TestImportOfflineimapNested: with "sep = /" OfflineIMAP nests folders
// (Archive/2024 as directories, its FMD5 that of "Archive/2024"); they
// are adopted in place with layout "fs-mutf7".
func TestImportOfflineimapNested(t *testing.T) {
	r := newOfflineimapRigSep(t, 10, "/")
	if _, err := os.Stat(filepath.Join(r.maildir, "Archive", "2024", "cur")); err != nil {
		t.Fatalf("OfflineIMAP did not nest Archive/2024: %v", err)
	}
	files := snapshot(t, r.maildir)
	server := r.serverState()
	out, _ := r.mustRun("import", "offlineimap", "work", "--from", r.maildir, "--status", r.meta)
	if !strings.Contains(out, "adopted 40 messages in 4 folders") || regexp.MustCompile(`to upload [1-9]`).MatchString(out) {
		t.Fatalf("import said:\n%s", out)
	}
	_, trace := r.mustRun("-vvv", "sync", "work")
	noBodiesNoChanges(t, trace)
	sameFiles(t, "sync", files, snapshot(t, r.maildir))
	if got := r.serverState(); got != server {
		t.Fatalf("the sync changed the server:\nbefore:\n%s\nafter:\n%s", server, got)
	}
}

// TestImportOfflineimapRefusesStaleState: when the server's UIDVALIDITY is
// not the one OfflineIMAP recorded, the import refuses and writes nothing.
func TestImportOfflineimapRefusesStaleState(t *testing.T) {
	r := newOfflineimapRig(t, 5)
	r.srv.ForceUIDValidityChange(t, r.user.Name, "Archive/2024")
	files := snapshot(t, r.maildir)
	code, out, errOut := r.runReal("import", "offlineimap", "work", "--from", r.maildir, "--status", r.meta)
	if code == 0 || !strings.Contains(errOut, "UIDVALIDITY") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(r.maildir, ".imapdir.sqlite3")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused import created the state database")
	}
	sameFiles(t, "refused import", files, snapshot(t, r.maildir))
}

// TestImportOfflineimapRefusesAnotherAccount: the Maildir of another
// account whose mailboxes have the same names and UIDVALIDITYs is refused
// by the sample of Message-IDs, with nothing written.
func TestImportOfflineimapRefusesAnotherAccount(t *testing.T) {
	r := newOfflineimapRig(t, 5)
	other := r.srv.NewUser(t)
	for fi, box := range mbsyncFolders {
		if box != "INBOX" {
			r.srv.CreateMailbox(t, other.Name, box)
		}
		raws := make([][]byte, 5)
		for i := range raws {
			raws[i] = []byte(fmt.Sprintf("Message-ID: <other-%d-%d@example.com>\r\nSubject: x\r\n\r\ny\r\n", fi, i))
		}
		r.srv.DeliverMessages(t, other.Name, box, time.Time{}, raws...)
		uv := r.srv.MailboxStatus(t, r.user.Name, box)["uidvalidity"]
		r.srv.Doveadm(t, "mailbox", "update", "-u", other.Name, "--uid-validity", uv, box)
	}
	r.configFor(other)
	files := snapshot(t, r.maildir)
	code, out, errOut := r.runReal("import", "offlineimap", "work", "--from", r.maildir, "--status", r.meta)
	if code == 0 || !strings.Contains(errOut, "does not belong to this account") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(r.maildir, ".imapdir.sqlite3")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused import created the state database")
	}
	sameFiles(t, "refused import", files, snapshot(t, r.maildir))
}
