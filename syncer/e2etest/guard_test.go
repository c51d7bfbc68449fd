package e2etest

import (
	"os"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/syncer"
)

// guardMessages is the INBOX size of the deletion guard tests: above the
// guard's count (50), so emptying it trips the guard.
const guardMessages = 120

// syncedInbox returns a rig whose INBOX holds guardMessages messages on
// both sides after a first sync.
func syncedInbox(t *testing.T, prefix string) *rig {
	t.Helper()
	r := newMaildirRig(t)
	seedMailbox(t, r.srv, r.user.Name, "INBOX", newGen(prefix, 3), guardMessages, 0)
	r.sync()
	if n := maildirTruth(t, r.root).count(); n != guardMessages {
		t.Fatalf("first sync left %d messages in the Maildir, want %d", n, guardMessages)
	}
	return r
}

// report returns the report of mailbox in res, failing if there is none.
func report(t *testing.T, res syncer.Result, mailbox string) syncer.MailboxReport {
	t.Helper()
	for _, m := range res.Mailboxes {
		if m.Mailbox == mailbox {
			return m
		}
	}
	t.Fatalf("no report for %q in %+v", mailbox, res.Mailboxes)
	return syncer.MailboxReport{}
}

// TestDeletionGuardServerEmptied: the server's INBOX is emptied (doveadm
// expunge all). The run holds the deletions back in the Maildir and says
// so; every local file stays, and a later run holds them back again.
// Only --force (Options.Force) carries them out.
func TestDeletionGuardServerEmptied(t *testing.T) {
	t.Parallel()
	r := syncedInbox(t, "guard-far")
	before := snapshotMaildir(t, r.root)
	r.dovecot().Doveadm(t, "expunge", "-u", r.user.Name, "mailbox", "INBOX", "all")

	for run := 1; run <= 2; run++ {
		res, rec := r.syncWith(syncer.DefaultOptions())
		inbox := report(t, res, "INBOX")
		if inbox.Held == nil || inbox.Held.Count[syncer.Near] != guardMessages {
			t.Fatalf("run %d: INBOX report %+v, want %d deletions held back on the Maildir side", run, inbox, guardMessages)
		}
		if inbox.Deleted != [2]int{} || inbox.Err != nil {
			t.Errorf("run %d: INBOX deleted %v, error %v; want nothing deleted, no error", run, inbox.Deleted, inbox.Err)
		}
		if !mentions(rec.warnings(), "INBOX", "held back") {
			t.Errorf("run %d: no warning about the held deletions: %q", run, rec.warnings())
		}
		if after := snapshotMaildir(t, r.root); after != before {
			t.Fatalf("run %d changed the Maildir:\nbefore:\n%s\nafter:\n%s", run, before, after)
		}
	}

	opts := syncer.DefaultOptions()
	opts.Force = true
	res, _ := r.syncWith(opts)
	if inbox := report(t, res, "INBOX"); inbox.Deleted[syncer.Near] != guardMessages || inbox.Held != nil {
		t.Errorf("forced run: INBOX report %+v, want %d deleted in the Maildir", inbox, guardMessages)
	}
	requireSame(t, serverTruth(t, r.srv, r.user.Name), maildirTruth(t, r.root), "server", "Maildir")
}

// TestDeletionGuardLocalInboxRemoved: the local INBOX directory is
// removed. That mailbox fails with an error and nothing is deleted on
// the server.
func TestDeletionGuardLocalInboxRemoved(t *testing.T) {
	t.Parallel()
	r := syncedInbox(t, "guard-near")
	server := serverTruth(t, r.srv, r.user.Name)
	if err := os.RemoveAll(r.root + "/INBOX"); err != nil {
		t.Fatal(err)
	}

	for run := 1; run <= 2; run++ {
		res, rec := r.syncWith(syncer.DefaultOptions())
		inbox := report(t, res, "INBOX")
		if inbox.Err == nil {
			t.Errorf("run %d: INBOX report %+v, want an error for the missing local INBOX", run, inbox)
		}
		if inbox.Deleted != [2]int{} {
			t.Errorf("run %d: INBOX deleted %v, want nothing", run, inbox.Deleted)
		}
		if !mentions(rec.errors(), "INBOX", "") {
			t.Errorf("run %d: the observer got no error for INBOX: %q", run, rec.errors())
		}
		if d := diff(server, serverTruth(t, r.srv, r.user.Name), "before", "after", 10); d != "" {
			t.Fatalf("run %d changed the server:\n%s", run, d)
		}
	}
}

// mentions reports whether one of lines starts with mailbox and holds
// the text (case-insensitively).
func mentions(lines []string, mailbox, text string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, mailbox+":") && strings.Contains(strings.ToLower(l), text) {
			return true
		}
	}
	return false
}
