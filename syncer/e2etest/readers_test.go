package e2etest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/syncer"
)

// readerMoves are the ways mail readers move a message file to another
// folder under a new unique name.
var readerMoves = []struct {
	name string
	move func(t *testing.T, from, to *maildir.Folder, e maildir.Entry)
}{
	// mu4e with mu4e-change-filenames-when-moving: one rename(2) into the
	// other folder's cur/ under a fresh unique name, the info kept.
	{"mu4e", func(t *testing.T, from, to *maildir.Folder, e maildir.Entry) {
		t.Helper()
		nu := maildir.Name{Unique: "1733320000.M1P99.mu4e-host", HasInfo: true, Info: "2," + e.Flags().String()}
		mustRename(t, e.Path(from), filepath.Join(to.Path(), maildir.SubCur, nu.String()))
	}},
	// mu4e by default, notmuch's afew by default: one rename(2) into the
	// other folder's cur/, the file name kept.
	{"keep-name", func(t *testing.T, from, to *maildir.Folder, e maildir.Entry) {
		t.Helper()
		mustRename(t, e.Path(from), filepath.Join(to.Path(), maildir.SubCur, e.File))
	}},
	// mutt/neomutt: the message is written as a new file of the other
	// folder (its own unique name), then the original is removed.
	{"mutt", func(t *testing.T, from, to *maildir.Folder, e maildir.Entry) {
		t.Helper()
		raw, err := os.ReadFile(e.Path(from))
		if err != nil {
			t.Fatal(err)
		}
		deliverLocal(t, to, raw, e.Flags().String())
		if err := os.Remove(e.Path(from)); err != nil {
			t.Fatal(err)
		}
	}},
	// afew's MailMover with rename = true: the ",U=" field and the old
	// unique name dropped, the file renamed into the other folder's cur/.
	{"afew", func(t *testing.T, from, to *maildir.Folder, e maildir.Entry) {
		t.Helper()
		nu := maildir.Name{Unique: "1733320001.R7a3f.afew", HasInfo: true, Info: "2," + e.Flags().String()}
		mustRename(t, e.Path(from), filepath.Join(to.Path(), maildir.SubCur, nu.String()))
	}},
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// TestReaderMoveUnderNewName (issue 18, mail readers' habits, against
// Dovecot and a Maildir): a mail reader moves a message file from INBOX
// to Archive under a new unique name. The run pairs it by identity with
// the message that left INBOX and moves the server's copy (UID MOVE): no
// APPEND, the server holds as many messages as before, and the keyword
// the server kept on the message survives. The next run does nothing.
func TestReaderMoveUnderNewName(t *testing.T) {
	for _, rm := range readerMoves {
		t.Run(rm.name, func(t *testing.T) {
			t.Parallel()
			r := newMaildirRig(t)
			srv, user := r.srv, r.user.Name
			srv.CreateMailbox(t, user, "Archive")
			msgs := seedMailbox(t, srv, user, "INBOX", newGen("rmove-"+rm.name, 18), 8, 0)
			moved := msgs[3]
			addFlags(t, srv, user, "INBOX", `\Seen todo`, moved.uid)
			r.sync()
			before := serverTruth(t, srv, user)

			inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
			rm.move(t, inbox, archive, localByID(t, inbox)[moved.id])
			r.farWire.reset()
			res, rec := r.sync()
			got := sumResult(res)
			if n := r.farWire.appends.Load(); n != 0 {
				t.Errorf("the move sent %d APPENDs to the server, want 0 (a UID MOVE)\n%s", n, r.farWire.commands())
			}
			if got.Deleted != [2]int{} || got.New != [2]int{} {
				t.Errorf("the move ran as %+v, want no copy and no deletion", got)
			}
			after := serverTruth(t, srv, user)
			if after.count() != before.count() {
				t.Errorf("the server holds %d messages after the move, %d before", after.count(), before.count())
			}
			if after["Archive"].copies[moved.id] != 1 || after["INBOX"].copies[moved.id] != 0 {
				t.Fatalf("on the server the moved message is %d times in Archive, %d times in INBOX; want 1 and 0",
					after["Archive"].copies[moved.id], after["INBOX"].copies[moved.id])
			}
			if fl := after["Archive"].msgs[moved.id].flags; !strings.Contains(fl, "todo") || !strings.Contains(fl, `\Seen`) {
				t.Errorf("the moved message's server flags are [%s], want \\Seen and the keyword todo kept", fl)
			}
			if w := rec.warnings(); len(w) > 0 {
				t.Errorf("warnings: %q", w)
			}
			res, _ = r.sync()
			if got := sumResult(res); !got.idle() {
				t.Errorf("the run after the move did something: %+v", got)
			}
			requireSame(t, serverTruth(t, srv, user), maildirTruth(t, r.root), "server", "Maildir")
		})
	}
}

// TestReaderRenameInFolder: a mail reader gives a file a new unique name
// within its folder (mu4e marking a message read with
// mu4e-change-filenames-when-moving). Nothing is uploaded or deleted; the
// flag change reaches the server. Another mailbox is synchronized too, so
// the moves between mailboxes are looked for and must not claim it.
func TestReaderRenameInFolder(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Archive")
	seedMailbox(t, srv, user, "Archive", newGen("rrename-a", 19), 2, 0)
	msgs := seedMailbox(t, srv, user, "INBOX", newGen("rrename", 19), 6, 0)
	r.sync()
	inbox := localFolder(t, r.root, "INBOX")
	e := localByID(t, inbox)[msgs[0].id]
	nu := maildir.Name{Unique: "1733320002.M5P7.mu4e-host", HasInfo: true, Info: "2," + e.Flags().With('S').String()}
	mustRename(t, e.Path(inbox), filepath.Join(inbox.Path(), maildir.SubCur, nu.String()))
	r.farWire.reset()
	res, _ := r.sync()
	if got := sumResult(res); got.New != [2]int{} || got.Deleted != [2]int{} {
		t.Errorf("the rename ran as %+v, want no copy and no deletion", got)
	}
	if n := r.farWire.appends.Load(); n != 0 {
		t.Errorf("the rename sent %d APPENDs, want 0", n)
	}
	if fl := srv.MessageFlags(t, user, "INBOX", msgs[0].uid); !slices.Contains(fl, `\Seen`) {
		t.Errorf("server flags of the renamed message: %q, want \\Seen", fl)
	}
	requireSame(t, serverTruth(t, srv, user), maildirTruth(t, r.root), "server", "Maildir")
}

// TestUnseenInNewDir (issue 18): a message the server has \Flagged but
// not \Seen lands in new/ (as mbsync and Dovecot put it), its flag in the
// name; one with \Seen in cur/. A mail reader moving the unseen one to
// cur/ without marking it seen changes nothing on the server: no STORE,
// no APPEND.
func TestUnseenInNewDir(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	r.newDir = true
	r.reopen()
	srv, user := r.srv, r.user.Name
	msgs := seedMailbox(t, srv, user, "INBOX", newGen("newdir", 20), 2, 0)
	addFlags(t, srv, user, "INBOX", `\Flagged`, msgs[0].uid)
	addFlags(t, srv, user, "INBOX", `\Seen \Flagged`, msgs[1].uid)
	r.sync()
	inbox := localFolder(t, r.root, "INBOX")
	files := localByID(t, inbox)
	unseen, seen := files[msgs[0].id], files[msgs[1].id]
	if unseen.Subdir != maildir.SubNew || unseen.Flags().String() != "F" {
		t.Errorf("the flagged unseen message is %s/%s, want new/ with info 2,F", unseen.Subdir, unseen.File)
	}
	if seen.Subdir != maildir.SubCur {
		t.Errorf("the seen message is %s/%s, want cur/", seen.Subdir, seen.File)
	}
	mustRename(t, unseen.Path(inbox), filepath.Join(inbox.Path(), maildir.SubCur, unseen.File))
	r.farWire.reset()
	res, _ := r.sync()
	if got := sumResult(res); got.Changed != [2]int{} || got.New != [2]int{} || got.Deleted != [2]int{} {
		t.Errorf("moving the file to cur/ ran as %+v, want no change", got)
	}
	if cmds := r.farWire.commands(); strings.Contains(cmds, "STORE") || strings.Contains(cmds, "APPEND") {
		t.Errorf("moving the file to cur/ sent to the server:\n%s", cmds)
	}
	if fl := srv.MessageFlags(t, user, "INBOX", msgs[0].uid); slices.Contains(fl, `\Seen`) || !slices.Contains(fl, `\Flagged`) {
		t.Errorf("server flags %q, want \\Flagged without \\Seen", fl)
	}
	requireSame(t, serverTruth(t, srv, user), maildirTruth(t, r.root), "server", "Maildir")
}

// TestLocalFolderRenamed (issue 18): a local folder with a subfolder is
// renamed (the same files under a new directory name): in the fs layout
// one mv carries the subfolder along; in Maildir++ each folder is its own
// directory, and a user may rename the parent alone or both. The run
// renames the server's mailbox (RENAME carries the child along, and the
// local child follows): nothing is uploaded or deleted, and the next run
// does nothing.
func TestLocalFolderRenamed(t *testing.T) {
	for _, c := range []struct {
		name   string
		layout maildir.Layout
		dirs   []string // the folders renamed, Work → Job
	}{
		{"fs", maildir.LayoutFS, []string{"Work"}},
		{"maildir++", maildir.LayoutMaildirPP, []string{"Work", "Work/Sub"}},
		{"maildir++ parent only", maildir.LayoutMaildirPP, []string{"Work"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newMaildirRig(t)
			r.layout = c.layout
			r.reopen()
			localFolderRenamed(t, r, c.dirs)
		})
	}
}

func localFolderRenamed(t *testing.T, r *rig, dirs []string) {
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Work")
	srv.CreateMailbox(t, user, "Work/Sub")
	g := newGen("frename", 21)
	seedMailbox(t, srv, user, "INBOX", g, 3, 0)
	seedMailbox(t, srv, user, "Work", g, 7, 1)
	seedMailbox(t, srv, user, "Work/Sub", g, 4, 2)
	r.sync()
	before := serverTruth(t, srv, user)
	for _, d := range dirs {
		from, err := r.layout.Path(r.root, d)
		if err != nil {
			t.Fatal(err)
		}
		to, err := r.layout.Path(r.root, "Job"+strings.TrimPrefix(d, "Work"))
		if err != nil {
			t.Fatal(err)
		}
		mustRename(t, from, to)
	}
	r.farWire.reset()
	res, rec := r.sync()
	if got := sumResult(res); got.New != [2]int{} || got.Deleted != [2]int{} {
		t.Errorf("the folder rename ran as %+v, want no copy and no deletion (warnings %q)", got, rec.warnings())
	}
	if n := r.farWire.appends.Load(); n != 0 {
		t.Errorf("the folder rename sent %d APPENDs, want 0", n)
	}
	after := serverTruth(t, srv, user)
	for _, name := range []string{"Work", "Work/Sub"} {
		nu := "Job" + strings.TrimPrefix(name, "Work")
		if after[name] != nil || after[nu] == nil || len(after[nu].msgs) != len(before[name].msgs) {
			t.Errorf("server after the rename: %q present %v, %q present %v; want only %q with %d messages",
				name, after[name] != nil, nu, after[nu] != nil, nu, len(before[name].msgs))
		}
	}
	requireSame(t, after, maildirTruthIn(t, r.root, r.layout), "server", "Maildir")
	res, _ = r.sync()
	if got := sumResult(res); !got.idle() {
		t.Errorf("the run after the rename did something: %+v", got)
	}
}

// TestReaderDeleteWithCopyElsewhere: a message held in INBOX and in
// Archive is deleted from the local INBOX while a mail reader delivers a
// new message into Archive. The INBOX copy is deleted on the server, the
// Archive copy stays, the new message is uploaded: a deletion is not
// taken for a move because another mailbox holds the same message.
func TestReaderDeleteWithCopyElsewhere(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Archive")
	g := newGen("rdelete", 22)
	raw := g.next(0)
	id := messageID(raw)
	srv.DeliverMessages(t, user, "INBOX", seedDate, raw)
	srv.DeliverMessages(t, user, "Archive", seedDate, raw)
	seedMailbox(t, srv, user, "INBOX", g, 3, 0)
	r.sync()
	inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
	if err := os.Remove(localByID(t, inbox)[id].Path(inbox)); err != nil {
		t.Fatal(err)
	}
	fresh := g.next(0)
	deliverLocal(t, archive, fresh, "S")
	res, _ := r.sync()
	if got := sumResult(res); got.Deleted != [2]int{1, 0} || got.New != [2]int{1, 0} || got.Moved != [2]int{} {
		t.Errorf("ran as %+v, want one deletion and one upload to the server, no move", got)
	}
	after := serverTruth(t, srv, user)
	if after["INBOX"].copies[id] != 0 || after["Archive"].copies[id] != 1 || after["Archive"].copies[messageID(fresh)] != 1 {
		t.Errorf("server: INBOX holds the deleted message %d times, Archive %d times and the new one %d times; want 0, 1, 1",
			after["INBOX"].copies[id], after["Archive"].copies[id], after["Archive"].copies[messageID(fresh)])
	}
	requireSame(t, after, maildirTruth(t, r.root), "server", "Maildir")
}

// TestReaderMovePullOnly: with nothing pushed (sync = pull), a mail
// reader's moves (under a new name, under its own name) change nothing on
// the server: carrying them over would move the server's messages.
func TestReaderMovePullOnly(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	srv.CreateMailbox(t, user, "Archive")
	msgs := seedMailbox(t, srv, user, "INBOX", newGen("rmove-pull", 23), 4, 0)
	r.sync()
	before := serverTruth(t, srv, user)
	inbox, archive := localFolder(t, r.root, "INBOX"), localFolder(t, r.root, "Archive")
	for i, rm := range readerMoves[:2] {
		rm.move(t, inbox, archive, localByID(t, inbox)[msgs[i].id])
	}
	opts := syncer.DefaultOptions()
	opts.Sync = syncer.Direction{Pull: syncer.SyncAll}
	res, _ := r.syncWith(opts)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if d := diff(before, serverTruth(t, srv, user), "before", "after", 10); d != "" {
		t.Errorf("a pull-only run changed the server:\n%s", d)
	}
}
