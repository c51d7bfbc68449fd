package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	if _, err := exec.LookPath("offlineimap"); err != nil {
		t.Fatalf("offlineimap is missing: install Debian's offlineimap3 (apt-get install offlineimap3): %v", err)
	}
	srv := testenv.Dovecot(t)
	r := &offlineimapRig{mbsyncRig: &mbsyncRig{world: newWorld(t), srv: srv, user: srv.NewUser(t), layout: "dots-mutf7"}}
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

[Repository far]
type = IMAP
remotehost = 127.0.0.1
remoteport = %d
remoteuser = %s
remotepass = %s
ssl = no
starttls = no
`, r.meta, r.maildir, srv.IMAPPort(), r.user.Name, r.user.Password)
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

// checkAdoption imports the rig's Maildir (250 messages in each of
// mbsyncFolders, the 3rd of INBOX seen and the 2nd of Entwürfe flagged
// and seen on both sides) with "import importArgs...", then checks that
// the import and the first sync copy no body, touch no local file and
// change nothing on the server, and that changes on both sides then go
// through the adopted folders (archiveDir is the directory of
// Archive/2024).
func checkAdoption(t *testing.T, r *mbsyncRig, importArgs []string, archiveDir string) {
	t.Helper()
	files := snapshot(t, r.maildir)
	server := r.serverState()

	start := time.Now()
	out, _ := r.mustRun(append([]string{"import"}, importArgs...)...)
	t.Logf("import of 1 000 messages: %v", time.Since(start)) // a figure, never asserted
	if !strings.Contains(out, "adopted 1000 messages in 4 folders") {
		t.Fatalf("import said:\n%s", out)
	}
	out, _ = r.mustRun(append([]string{"import"}, importArgs...)...)
	if !strings.Contains(out, "adopted 0 messages in 4 folders") || strings.Count(out, "already adopted (250)") != 4 {
		t.Fatalf("second import said:\n%s", out)
	}
	sameFiles(t, "import", files, snapshot(t, r.maildir))
	if out, _ := r.mustRun("status", "work"); !regexp.MustCompile(`Archive/2024 \(`+regexp.QuoteMeta(archiveDir)+`\) +250 `).MatchString(out) ||
		!regexp.MustCompile(`Entwürfe \(Entw&APw-rfe\) +250 `).MatchString(out) {
		t.Errorf("status does not show the adopted directories:\n%s", out)
	}

	_, trace := r.mustRun("-vvv", "sync", "work")
	noBodiesNoChanges(t, trace)
	sameFiles(t, "first sync", files, snapshot(t, r.maildir))
	if got := r.serverState(); got != server {
		t.Fatalf("the first sync changed the server:\nbefore:\n%s\nafter:\n%s", server, got)
	}

	// Changes on both sides, into and from the adopted directories.
	newRaw := []byte("Message-ID: <new-far@example.com>\r\nSubject: new on the server\r\n\r\nhello\r\n")
	r.srv.DeliverMessages(t, r.user.Name, "Entwürfe", time.Time{}, newRaw)
	r.srv.AddFlags(t, r.user.Name, "INBOX", 1, `\Flagged`)
	local := filepath.Join(r.maildir, archiveDir, "new", "1700000000.local1.host")
	if err := os.WriteFile(local, []byte("Message-ID: <new-near@example.com>\nSubject: new here\n\nhi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seenFile := r.fileWithID("Sent", "m3-4@example.com")
	base, _, _ := strings.Cut(filepath.Base(seenFile), ":2,")
	if err := os.Rename(seenFile, filepath.Join(r.maildir, "Sent", "cur", base+":2,S")); err != nil {
		t.Fatal(err)
	}
	r.mustRun("sync", "work")

	r.fileWithID("Entw&APw-rfe", "new-far@example.com")
	if p := r.fileWithID("INBOX", "m0-0@example.com"); !strings.HasSuffix(p, "F") || !strings.Contains(p, ":2,") {
		t.Errorf("INBOX UID 1 is %s, want the F flag", p)
	}
	var found bool
	for _, m := range r.srv.Fetch(t, r.user.Name, "Archive/2024", "uid hdr.message-id") {
		found = found || strings.Contains(m["hdr.message-id"], "new-near@example.com")
	}
	if !found {
		t.Error("the local new message did not reach the server's Archive/2024")
	}
	if fl := r.srv.MessageFlags(t, r.user.Name, "Sent", 5); !slices.Contains(fl, `\Seen`) {
		t.Errorf("Sent UID 5 has flags %v, want \\Seen", fl)
	}
	if _, err := os.Stat(local); err != nil {
		t.Errorf("the local new file was moved or renamed: %v", err)
	}
}

// noBodiesNoChanges fails the test when the protocol trace of a sync shows
// a body fetched or anything changed on the server.
func noBodiesNoChanges(t *testing.T, trace string) {
	t.Helper()
	var sent strings.Builder
	for _, line := range strings.Split(trace, "\n") {
		if strings.Contains(line, " C: ") {
			sent.WriteString(line + "\n")
		}
	}
	for _, cmd := range []string{"BODY.PEEK[]", "BINARY.PEEK[", " APPEND ", " STORE ", " EXPUNGE", " MOVE ", " COPY "} {
		if n := strings.Count(sent.String(), cmd); n != 0 {
			t.Errorf("the first sync after the import sent %d commands with %q", n, cmd)
		}
	}
	if !strings.Contains(sent.String(), " FETCH ") {
		t.Fatalf("no protocol trace in the sync's output:\n%s", trace)
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
