package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/gmailsim"
	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store/memstore"
	"github.com/imapdir/imapdir/syncer"
)

// allMailWorld is a CLI world whose account is a Gmail double.
type allMailWorld struct {
	*oauthWorld
	sim *gmailsim.Server
}

func newAllMailWorld(t *testing.T, extra string, names map[string]string) *allMailWorld {
	t.Helper()
	w := newWorld(t)
	sim, err := gmailsim.Start(gmailsim.Options{User: "me@gmail.com", AppPassword: "app-pw", Names: names})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	host, port, _ := net.SplitHostPort(sim.Addr())
	w.writeConfig(fmt.Sprintf("[accounts.work]\nhost = %q\nport = %s\ntls = \"plaintext-insecure\"\nuser = \"me@gmail.com\"\npassword = \"app-pw\"\nmaildir = %q\n%s",
		host, port, filepath.Join(w.dir, "Maildir"), extra))
	return &allMailWorld{oauthWorld: &oauthWorld{world: w}, sim: sim}
}

func (w *allMailWorld) sync(want string) string {
	w.t.Helper()
	code, out, errOut := w.runConcurrent("sync", "work")
	if code != ExitOK || !strings.Contains(out, want) {
		w.t.Fatalf("sync: exit %d, want %q in\n%s\n%s", code, want, out, errOut)
	}
	return out
}

// files returns the files of a local folder by the Message-ID each holds.
func (w *allMailWorld) files(folder string) map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for _, sub := range []string{"cur", "new"} {
		dir := filepath.Join(w.dir, "Maildir", folder, sub) // no Glob: Gmail's names hold [ ]
		entries, err := os.ReadDir(dir)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				w.t.Fatal(err)
			}
			id := strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "Message-ID: <"), ">")
			out[id] = p
		}
	}
	return out
}

func keywordsLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "X-Keywords: ") {
			return l
		}
		if l == "" {
			break
		}
	}
	return ""
}

// TestGmailAllMail is the all-mail acceptance test: 500 messages over 6
// labels (All Mail under a localized name) are synced into one folder,
// each body downloaded exactly once, labels in X-Keywords; a label added
// and one removed on the server rewrite only that header of the one
// file (same name, no new download); an X-Keywords edit in the Maildir
// changes the labels on Gmail; a resync has nothing to do.
func TestGmailAllMail(t *testing.T) {
	w := newAllMailWorld(t, "", map[string]string{`\All`: "[Google Mail]/Alle Nachrichten"})
	labels := []string{`\Inbox`, "Work", "Reisen", "Économie", "Lists/Go", `\Important`}
	var ids []uint64
	for i := range 500 {
		ls := []string{labels[i%6], labels[(i/6)%6]}
		body := fmt.Appendf(nil, "Message-ID: <%d@example.com>\nSubject: message %d\n\nbody %d\n", i, i, i)
		ids = append(ids, w.sim.Add(gmailsim.Message{Body: body, Labels: ls}))
	}
	w.sync("500 changes")
	const all = "[Google Mail]/Alle Nachrichten"
	files := w.files(all)
	if len(files) != 500 {
		t.Fatalf("%d files in the All Mail folder, want 500", len(files))
	}
	var bytesOnce int64
	for i, id := range ids {
		if n := w.sim.Downloads(id); n != 1 {
			t.Fatalf("message %d downloaded %d times", i, n)
		}
		bytesOnce += int64(len(fmt.Sprintf("Message-ID: <%d@example.com>\r\nSubject: message %d\r\n\r\nbody %d\r\n", i, i, i)))
	}
	if st := w.sim.Stats(); st.BodyFetches != 500 || st.BodyBytes != bytesOnce {
		t.Errorf("stats %+v, want 500 body fetches of %d bytes in all", st, bytesOnce)
	}
	if got := keywordsLine(t, files["8@example.com"]); got != "X-Keywords: Reisen, Work" {
		t.Errorf("message 8: %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Join(w.dir, "Maildir")); len(entries) > 4 {
		t.Errorf("the Maildir holds more than the All Mail folder: %v", entries)
	}

	// A label added and one removed on the server: only the header changes.
	path := files["8@example.com"]
	before, _ := os.ReadFile(path)
	w.sim.SetLabels(ids[8], []string{"Später"}, []string{"Work"})
	w.sync("")
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the relabeled file is not under its name any more: %v", err)
	}
	line := keywordsLine(t, path)
	if !strings.Contains(line, "Reisen") || strings.Contains(line, "Work") || !strings.Contains(line, "=?UTF-8?") {
		t.Errorf("after relabel: %q", line)
	}
	strip := func(b []byte) string {
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "X-Keywords: ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if strip(before) != strip(after) {
		t.Errorf("relabel changed more than X-Keywords:\n%q\n%q", before, after)
	}
	if n := w.sim.Downloads(ids[8]); n != 1 {
		t.Errorf("relabeled message downloaded %d times", n)
	}

	// An X-Keywords edit in the Maildir (a tagger rewriting the file).
	path = files["9@example.com"]
	b, _ := os.ReadFile(path)
	old := keywordsLine(t, path)
	edited := strings.Replace(string(b), old+"\n", old+", todo\n", 1)
	tmp := filepath.Join(filepath.Dir(filepath.Dir(path)), "tmp", "tagger")
	if err := os.WriteFile(tmp, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	w.sync("")
	if got := w.sim.Labels(ids[9]); !slices.Contains(got, "todo") || !slices.Contains(got, "Économie") {
		t.Errorf("server labels after a local X-Keywords edit: %q", got)
	}
	if st := w.sim.Stats(); st.BodyFetches != 500 || st.Appends != 0 {
		t.Errorf("stats after the label changes %+v: want no new download or upload", st)
	}
	w.sync("no changes")
}

// addMessages adds n messages labelled Inbox and Work to the double.
func (w *allMailWorld) addMessages(n int) []uint64 {
	var ids []uint64
	for i := range n {
		body := fmt.Appendf(nil, "Message-ID: <%d@example.com>\nSubject: message %d\n\nbody %d\n", i, i, i)
		ids = append(ids, w.sim.Add(gmailsim.Message{Body: body, Labels: []string{`\Inbox`, "Work"}}))
	}
	return ids
}

// TestGmailAllMailIncremental: a resync of an unchanged Gmail account
// fetches no message's flags again (CONDSTORE CHANGEDSINCE, no QRESYNC),
// one label change costs one, and ID is sent.
func TestGmailAllMailIncremental(t *testing.T) {
	w := newAllMailWorld(t, "", nil)
	ids := w.addMessages(200)
	w.sync("200 changes")
	base := w.sim.Stats()
	w.sync("no changes")
	st := w.sim.Stats()
	if st.FlagFetches != base.FlagFetches || st.BodyFetches != base.BodyFetches {
		t.Errorf("no-change resync fetched %d flags and %d bodies, want none", st.FlagFetches-base.FlagFetches, st.BodyFetches-base.BodyFetches)
	}
	w.sim.SetLabels(ids[5], []string{"later"}, nil)
	w.sync("")
	if got := w.sim.Stats().FlagFetches - st.FlagFetches; got < 1 || got > 2 {
		t.Errorf("one label change fetched %d messages' flags, want 1", got)
	}
	if st.IDs == 0 {
		t.Error("ID not sent")
	}
	// Trashed in Gmail's web interface: gone from All Mail; found by
	// UID SEARCH (no QRESYNC), deleted locally, nothing refetched.
	before := w.sim.Stats()
	w.sim.SetLabels(ids[9], []string{`\Trash`}, nil)
	w.sync("")
	if _, ok := w.files("[Gmail]/All Mail")["9@example.com"]; ok {
		t.Error("a message trashed on Gmail is still in the local All Mail folder")
	}
	if n := len(w.files("[Gmail]/All Mail")); n != 199 {
		t.Errorf("%d local messages, want 199", n)
	}
	if got := w.sim.Stats().FlagFetches - before.FlagFetches; got > 1 {
		t.Errorf("a vanished message cost %d flag fetches", got)
	}
}

// TestGmailAllMailDeletion: a message deleted from the All Mail folder
// goes to Gmail's Trash (not deleted for good, not left in All Mail),
// and a run that would delete more than the deletion guard allows holds
// the deletions back until --force.
func TestGmailAllMailDeletion(t *testing.T) {
	w := newAllMailWorld(t, "", nil)
	ids := w.addMessages(100)
	w.sync("100 changes")
	files := w.files("[Gmail]/All Mail")
	if err := os.Remove(files["0@example.com"]); err != nil {
		t.Fatal(err)
	}
	w.sync("")
	if got := w.sim.Labels(ids[0]); !w.sim.Exists(ids[0]) || !slices.Contains(got, `\Trash`) {
		t.Errorf("deleted message: exists %v, labels %q; want it in Trash", w.sim.Exists(ids[0]), got)
	}
	for i := 1; i <= 60; i++ {
		if err := os.Remove(files[fmt.Sprintf("%d@example.com", i)]); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := w.runConcurrent("sync", "work")
	if code != ExitHeld {
		t.Fatalf("sync with 60 deletions: exit %d, want %d (held)\n%s\n%s", code, ExitHeld, out, errOut)
	}
	for i := 1; i <= 60; i++ {
		if slices.Contains(w.sim.Labels(ids[i]), `\Trash`) {
			t.Fatalf("message %d trashed although 60 of 99 deletions exceed the guard:\n%s", i, out)
		}
	}
	if !strings.Contains(out, "--force") {
		t.Errorf("held deletions not reported:\n%s", out)
	}
	code, out, errOut = w.runConcurrent("sync", "--force", "work")
	if code != ExitOK {
		t.Fatalf("sync --force: exit %d\n%s\n%s", code, out, errOut)
	}
	for i := 1; i <= 60; i++ {
		if !slices.Contains(w.sim.Labels(ids[i]), `\Trash`) {
			t.Fatalf("message %d not in Trash after --force:\n%s", i, out)
		}
	}
}

// inode returns the inode number of the one file of folder (under the
// Maildir) whose Message-ID is id, or 0 when there is none.
func (w *allMailWorld) inode(folder, id string) uint64 {
	w.t.Helper()
	p, ok := w.files(folder)[id]
	if !ok {
		return 0
	}
	st, err := os.Stat(p)
	if err != nil {
		w.t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// TestGmailFoldersHardLinks: gmail = "folders" — a message with three
// labels is downloaded once and appears in the three label folders as
// hard links to one file; a label added on the server links it into one
// more folder, a label removed unlinks it there; nothing is downloaded
// again.
func TestGmailFoldersHardLinks(t *testing.T) {
	w := newAllMailWorld(t, "gmail = \"folders\"\nfolders = [\"INBOX\", \"Work\", \"Reisen\", \"Extra\"]\n", nil)
	id := w.sim.Add(gmailsim.Message{Body: []byte("Message-ID: <three@example.com>\n\nx\n"), Labels: []string{`\Inbox`, "Work", "Reisen"}})
	w.sim.Add(gmailsim.Message{Body: []byte("Message-ID: <extra@example.com>\n\nx\n"), Labels: []string{"Extra"}})
	w.sync("")
	ino := w.inode("INBOX", "three@example.com")
	if ino == 0 || w.inode("Work", "three@example.com") != ino || w.inode("Reisen", "three@example.com") != ino {
		t.Fatalf("inodes INBOX %d Work %d Reisen %d: want one file", ino, w.inode("Work", "three@example.com"), w.inode("Reisen", "three@example.com"))
	}
	if n := w.sim.Downloads(id); n != 1 {
		t.Errorf("message with 3 labels downloaded %d times", n)
	}
	w.sim.SetLabels(id, []string{"Extra"}, []string{"Reisen"})
	w.sync("")
	if w.inode("Extra", "three@example.com") != ino || w.inode("Reisen", "three@example.com") != 0 || w.inode("Work", "three@example.com") != ino {
		t.Errorf("after +Extra -Reisen: Extra %d Reisen %d Work %d (file %d)", w.inode("Extra", "three@example.com"),
			w.inode("Reisen", "three@example.com"), w.inode("Work", "three@example.com"), ino)
	}
	if n := w.sim.Downloads(id); n != 1 {
		t.Errorf("label changes downloaded the message again (%d downloads)", n)
	}
	w.sync("no changes")
}

// TestWatchEngineAllMail: in all-mail mode, a change the watch hears in
// a label folder (INBOX) syncs All Mail instead of failing on a mailbox
// that is not synchronized.
func TestWatchEngineAllMail(t *testing.T) {
	ctx := t.Context()
	opts := memstore.Options{Features: memstore.AllFeatures()}
	far, near := memstore.New(opts), memstore.New(opts)
	if err := far.CreateMailbox(ctx, "All", `\All`); err != nil {
		t.Fatal(err)
	}
	if _, err := far.Seed("All", []byte("Message-ID: <a@x>\r\n\r\nx\r\n"), nil, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	allMail := func(name string) bool { return name == "All" }
	eopts := syncer.DefaultOptions()
	eopts.Match = allMail
	eng, err := syncer.New(far, near, statedbtest.Open(t), eopts)
	if err != nil {
		t.Fatal(err)
	}
	e := &watchEngine{Engine: eng, far: far, near: near, allMail: allMail}
	res, err := e.SyncMailboxes(ctx, []string{"INBOX"})
	if err != nil || len(res.Mailboxes) != 1 || res.Mailboxes[0].New[syncer.Near] != 1 {
		t.Fatalf("SyncMailboxes(INBOX): %+v, %v; want All Mail's message copied", res, err)
	}
}

// TestGmailStarredAndFolders: \Starred is the Flagged flag (F in the
// file name), never an X-Keywords label, both ways; gmail_folders =
// ["Trash"] syncs Trash as its own folder; labels = "none" writes no
// X-Keywords header.
func TestGmailStarredAndFolders(t *testing.T) {
	w := newAllMailWorld(t, "gmail_folders = [\"Trash\"]\n", nil)
	star := w.sim.Add(gmailsim.Message{Body: []byte("Message-ID: <star@example.com>\n\nx\n"), Labels: []string{`\Inbox`, `\Starred`}})
	trash := w.sim.Add(gmailsim.Message{Body: []byte("Message-ID: <bin@example.com>\n\nx\n"), Labels: []string{"Work"}})
	w.sync("")
	path := w.files("[Gmail]/All Mail")["star@example.com"]
	if !strings.HasSuffix(path, "F") || keywordsLine(t, path) != "X-Keywords: Inbox" {
		t.Fatalf("starred message: %s, %q", path, keywordsLine(t, path))
	}
	if err := os.Rename(path, strings.TrimSuffix(path, "F")); err != nil {
		t.Fatal(err)
	}
	w.sim.SetLabels(trash, []string{`\Trash`}, nil)
	w.sync("")
	if got := w.sim.Labels(star); slices.Contains(got, `\Starred`) || !slices.Contains(got, `\Inbox`) {
		t.Errorf("labels after unflagging locally: %q", got)
	}
	trashDir := "[Gmail]/Trash"
	if _, err := os.Stat(filepath.Join(w.dir, "Maildir", trashDir)); err != nil {
		trashDir = "Trash" // special_use pairing named it locally
	}
	if _, ok := w.files(trashDir)["bin@example.com"]; !ok {
		t.Error("the trashed message is not in the local Trash folder")
	}

	none := newAllMailWorld(t, "labels = \"none\"\n", nil)
	none.sim.Add(gmailsim.Message{Body: []byte("Message-ID: <plain@example.com>\n\nx\n"), Labels: []string{`\Inbox`, "Work"}})
	none.sync("")
	if p := none.files("[Gmail]/All Mail")["plain@example.com"]; keywordsLine(t, p) != "" {
		t.Errorf("labels = none wrote %q", keywordsLine(t, p))
	}
}
