package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// mbsyncRig is a Dovecot user whose mail the real mbsync (Debian's isync)
// has synchronized into a Maildir, and an imapdir config for the same
// account and Maildir.
type mbsyncRig struct {
	*world
	srv      *testenv.Server
	user     testenv.User
	maildir  string
	rc       string
	stateDir string // mbsync's SyncState directory; "": in the folders
	layout   string // imapdir's layout for mbsync's
}

// mbsyncFolders are the server mailboxes the rig fills: one non-ASCII,
// one nested.
var mbsyncFolders = []string{"INBOX", "Archive/2024", "Entwürfe", "Sent"}

// mbsyncSetup is how mbsync lays out the Maildir.
type mbsyncSetup struct {
	maildirPP bool // "SubFolders Maildir++" (INBOX is the root), else Verbatim
	legacy    bool // "SubFolders Legacy"
	stateDir  bool // "SyncState <dir>/", else "*" (in each folder)
}

// newMbsyncRig seeds perFolder messages into each of mbsyncFolders and
// runs mbsync once (SubFolders Verbatim, INBOX inside the Maildir root,
// SyncState *).
func newMbsyncRig(t *testing.T, perFolder int) *mbsyncRig {
	return newMbsyncRigWith(t, perFolder, mbsyncSetup{})
}

// newMbsyncRigWith is newMbsyncRig with mbsync set up as setup says.
func newMbsyncRigWith(t *testing.T, perFolder int, setup mbsyncSetup) *mbsyncRig {
	t.Helper()
	if _, err := exec.LookPath("mbsync"); err != nil {
		t.Fatalf("mbsync is missing: install Debian's isync (apt-get install isync): %v", err)
	}
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
	path, inbox, subFolders, syncState, layout := "Path "+r.maildir+"/\n", r.maildir+"/INBOX", "Verbatim", "*", "fs-mutf7"
	if setup.maildirPP { // mbsync refuses Path with Maildir++: the folders live in the inbox
		path, inbox, subFolders, layout = "", r.maildir, "Maildir++", "maildir++-mutf7"
	}
	if setup.legacy {
		subFolders, layout = "Legacy", "legacy-mutf7"
	}
	if setup.stateDir {
		r.stateDir = filepath.Join(r.dir, "mbsync-state")
		syncState = r.stateDir + "/"
	}
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
%sInbox %s
SubFolders %s

Channel test
Far :far:
Near :near:
Patterns *
Create Near
Sync All
Expunge Both
SyncState %s
`, srv.IMAPPort(), r.user.Name, r.user.Password, path, inbox, subFolders, syncState)
	if err := os.WriteFile(r.rc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	r.runMbsync()
	r.layout = layout
	r.configFor(r.user)
	return r
}

// configFor writes imapdir's config: account "work" is user's on the
// rig's server, over the rig's Maildir.
func (r *mbsyncRig) configFor(u testenv.User) {
	r.writeConfig(fmt.Sprintf(`[accounts.work]
host = "127.0.0.1"
port = %d
tls = "plaintext-insecure"
user = %q
password = %q
maildir = %q
layout = %q
`, r.srv.IMAPPort(), u.Name, u.Password, r.maildir, r.layout))
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

// fileState is what a mail reader's index depends on: a file's name,
// inode, size and mtime.
type fileState struct {
	ino   uint64
	size  int64
	mtime int64
}

// snapshot records every file under root except imapdir's own state
// (database and lock), by path relative to root.
func snapshot(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".imapdir") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out[rel] = fileState{ino: info.Sys().(*syscall.Stat_t).Ino, size: info.Size(), mtime: info.ModTime().UnixNano()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFiles fails the test when the two snapshots differ.
func sameFiles(t *testing.T, what string, before, after map[string]fileState) {
	t.Helper()
	var diffs []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			diffs = append(diffs, "gone: "+p)
		} else if a != b {
			diffs = append(diffs, fmt.Sprintf("changed: %s %+v -> %+v", p, b, a))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added: "+p)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("%s: %d local files added, removed, renamed or rewritten:\n%s", what, len(diffs), strings.Join(diffs, "\n"))
	}
}

// serverState is every mailbox's status and every message's UID and
// flags but \Recent: a modification of any kind changes it
// (HIGHESTMODSEQ moves).
func (r *mbsyncRig) serverState() string {
	r.t.Helper()
	var b strings.Builder
	for _, box := range mbsyncFolders {
		st := r.srv.MailboxStatus(r.t, r.user.Name, box)
		fmt.Fprintf(&b, "%s: messages %s uidnext %s uidvalidity %s highestmodseq %s\n",
			box, st["messages"], st["uidnext"], st["uidvalidity"], st["highestmodseq"])
		for _, m := range r.srv.Fetch(r.t, r.user.Name, box, "uid flags") {
			// \Recent is session state (the first session to select
			// the mailbox takes it), not a change.
			fl := strings.Join(slices.DeleteFunc(strings.Fields(m["flags"]), func(f string) bool { return f == `\Recent` }), " ")
			fmt.Fprintf(&b, "  %s %s\n", m["uid"], fl)
		}
	}
	return b.String()
}

// mustRun runs imapdir and fails the test unless it exits with 0.
func (r *mbsyncRig) mustRun(args ...string) (string, string) {
	r.t.Helper()
	code, out, errOut := r.runReal(args...)
	if code != 0 {
		r.t.Fatalf("imapdir %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out, errOut
}

// fileWithID returns the path of the file in folder dir (relative to the
// Maildir) whose Message-ID is id.
func (r *mbsyncRig) fileWithID(dir, id string) string {
	r.t.Helper()
	for _, sub := range []string{"cur", "new"} {
		ents, _ := os.ReadDir(filepath.Join(r.maildir, dir, sub))
		for _, e := range ents {
			p := filepath.Join(r.maildir, dir, sub, e.Name())
			b, err := os.ReadFile(p)
			if err == nil && strings.Contains(string(b), "Message-ID: <"+id+">") {
				return p
			}
		}
	}
	r.t.Fatalf("no file with Message-ID <%s> in %s", id, dir)
	return ""
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
	archive := `Archive/2024 +250 ` // status names the directory when it differs from the mailbox
	if filepath.ToSlash(archiveDir) != "Archive/2024" {
		archive = `Archive/2024 \(` + regexp.QuoteMeta(archiveDir) + `\) +250 `
	}
	if out, _ := r.mustRun("status", "work"); !regexp.MustCompile(archive).MatchString(out) ||
		!regexp.MustCompile(`Entwürfe \(Entw&APw-rfe\) +250 `).MatchString(out) {
		t.Errorf("status does not show the adopted directories:\n%s", out)
	}

	start = time.Now()
	_, trace := r.mustRun("-vvv", "sync", "work")
	t.Logf("first sync after the import: %v, %d commands", time.Since(start), strings.Count(trace, " C: ")) // figures
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

// TestImportMbsyncAdoptsWithoutCopying: a Maildir the real mbsync made
// (1 000 messages in 4 folders, one non-ASCII, one nested) is adopted; the
// next sync copies no body, touches no local file and changes nothing on
// the server; then changes on both sides go through the adopted folders.
func TestImportMbsyncAdoptsWithoutCopying(t *testing.T) {
	r := newMbsyncRig(t, 250)
	r.srv.AddFlags(t, r.user.Name, "INBOX", 3, `\Seen`)
	r.srv.AddFlags(t, r.user.Name, "Entwürfe", 2, `\Flagged`, `\Seen`)
	r.runMbsync() // the flags reach the Maildir and mbsync's state
	checkAdoption(t, r, []string{"mbsync", "work", "--from", r.maildir}, filepath.Join("Archive", "2024"))
}

// TestImportMbsyncRefusesStaleState: when the server's UIDVALIDITY is not
// the one mbsync recorded, the import refuses and writes nothing.
func TestImportMbsyncRefusesStaleState(t *testing.T) {
	r := newMbsyncRig(t, 5)
	r.srv.ForceUIDValidityChange(t, r.user.Name, "Archive/2024")
	files := snapshot(t, r.maildir)
	code, out, errOut := r.runReal("import", "mbsync", "work", "--from", r.maildir)
	if code == 0 || !strings.Contains(errOut, "UIDVALIDITY") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, name := range []string{".imapdir.sqlite3", ".imapdir.lock"} {
		if _, err := os.Stat(filepath.Join(r.maildir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was created by a refused import", name)
		}
	}
	sameFiles(t, "refused import", files, snapshot(t, r.maildir))
}

// TestImportMbsyncMaildirPPStateDir: mbsync's "SubFolders Maildir++" with
// its state in a SyncState directory is adopted the same way.
func TestImportMbsyncMaildirPPStateDir(t *testing.T) {
	r := newMbsyncRigWith(t, 20, mbsyncSetup{maildirPP: true, stateDir: true})
	files := snapshot(t, r.maildir)
	server := r.serverState()
	out, _ := r.mustRun("import", "mbsync", "work", "--from", r.maildir, "--state", r.stateDir)
	if !strings.Contains(out, "adopted 80 messages in 4 folders") {
		t.Fatalf("import said:\n%s", out)
	}
	_, trace := r.mustRun("-vvv", "sync", "work")
	for _, line := range strings.Split(trace, "\n") {
		if strings.Contains(line, " C: ") && (strings.Contains(line, "BODY.PEEK[]") || strings.Contains(line, " APPEND ")) {
			t.Errorf("the sync after the import sent %s", line)
		}
	}
	sameFiles(t, "sync", files, snapshot(t, r.maildir))
	if got := r.serverState(); got != server {
		t.Fatalf("the sync changed the server:\nbefore:\n%s\nafter:\n%s", server, got)
	}
}

// TestImportMbsyncLegacy: mbsync's "SubFolders Legacy" (Archive/.2024)
// is adopted in place with layout "legacy-mutf7".
func TestImportMbsyncLegacy(t *testing.T) {
	r := newMbsyncRigWith(t, 20, mbsyncSetup{legacy: true})
	if _, err := os.Stat(filepath.Join(r.maildir, "Archive", ".2024", "cur")); err != nil {
		t.Fatalf("mbsync did not lay Archive/2024 out as Legacy: %v", err)
	}
	files := snapshot(t, r.maildir)
	server := r.serverState()
	out, _ := r.mustRun("import", "mbsync", "work", "--from", r.maildir)
	if !strings.Contains(out, "adopted 80 messages in 4 folders") {
		t.Fatalf("import said:\n%s", out)
	}
	_, trace := r.mustRun("-vvv", "sync", "work")
	noBodiesNoChanges(t, trace)
	sameFiles(t, "sync", files, snapshot(t, r.maildir))
	if got := r.serverState(); got != server {
		t.Fatalf("the sync changed the server:\nbefore:\n%s\nafter:\n%s", server, got)
	}
}

// TestImportMbsyncDryRun: --dry-run prints the statistics and writes
// nothing.
func TestImportMbsyncDryRun(t *testing.T) {
	r := newMbsyncRig(t, 5)
	files := snapshot(t, r.maildir)
	out, _ := r.mustRun("--dry-run", "import", "mbsync", "work", "--from", r.maildir)
	if !strings.Contains(out, "would adopt 20 messages in 4 folders") {
		t.Fatalf("dry run said:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(r.maildir, ".imapdir.sqlite3")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a dry run created the state database")
	}
	sameFiles(t, "dry run", files, snapshot(t, r.maildir))
}

// TestImportMbsyncRefusesAnotherAccount: the Maildir of another account
// whose mailboxes have the same names and even the same UIDVALIDITYs is
// refused by the sample of Message-IDs, with nothing written.
func TestImportMbsyncRefusesAnotherAccount(t *testing.T) {
	r := newMbsyncRig(t, 5)
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
	code, out, errOut := r.runReal("import", "mbsync", "work", "--from", r.maildir)
	if code == 0 || !strings.Contains(errOut, "does not belong to this account") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(r.maildir, ".imapdir.sqlite3")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused import created the state database")
	}
	sameFiles(t, "refused import", files, snapshot(t, r.maildir))
}
