package e2etest

import (
	"strconv"
	"strings"
	"testing"
)

// TestIMAPToIMAP keeps two Dovecot users in sync both ways with the same
// engine (far = user A, near = user B), as for a server migration with
// both accounts in use: each starts with its own mail, then both change.
func TestIMAPToIMAP(t *testing.T) {
	t.Parallel()
	r := newIMAPRig(t)
	srv, a, b := r.srv, r.user.Name, r.nearUser.Name
	g := newGen("i2i", 5)
	aInbox := seedMailbox(t, srv, a, "INBOX", g, 100, 0)
	srv.CreateMailbox(t, a, "Entwürfe")
	seedMailbox(t, srv, a, "Entwürfe", g, 30, 1)
	srv.CreateMailbox(t, a, "Archive/2024")
	seedMailbox(t, srv, a, "Archive/2024", g, 40, 2)
	bInbox := seedMailbox(t, srv, b, "INBOX", g, 20, 3)
	srv.CreateMailbox(t, b, "Listen/go")
	seedMailbox(t, srv, b, "Listen/go", g, 25, 4)

	res, _ := r.sync()
	if got := sumResult(res); got.New != [2]int{45, 170} {
		t.Errorf("first sync copied %v (to A, to B), want [45 170]", got.New)
	}
	ta := serverTruth(t, srv, a)
	requireSame(t, ta, serverTruth(t, srv, b), "user A", "user B")
	if n := ta.count(); n != 215 {
		t.Fatalf("%d messages after the first sync, want 215", n)
	}
	idleIMAP(t, r, len(ta))

	// A: flags, deletions, new mail.
	addFlags(t, srv, a, "INBOX", `\Answered`, aInbox[3].uid)
	srv.Expunge(t, a, "INBOX", aInbox[50].uid, aInbox[51].uid)
	srv.DeliverMessages(t, a, "Entwürfe", seedDate, g.next(0), g.next(0))
	// B: flags on A's message, a deletion in a nested mailbox, a move,
	// a new mailbox with mail.
	addFlags(t, srv, b, "INBOX", `\Seen \Flagged`, uidByID(t, r, b, "INBOX", aInbox[9].id))
	srv.Expunge(t, b, "Listen/go", firstUID(t, r, b, "Listen/go"))
	moveOnServer(t, srv, b, "INBOX", "Archive/2024", uidsOf(bInbox[0:1])...)
	srv.CreateMailbox(t, b, "Projekt")
	srv.DeliverMessages(t, b, "Projekt", seedDate, g.next(0))

	r.sync()
	ta = serverTruth(t, srv, a)
	requireSame(t, ta, serverTruth(t, srv, b), "user A", "user B")
	if n := ta.count(); n != 215-2+2-1+1 {
		t.Errorf("%d messages after the changes, want %d", n, 215-2+2-1+1)
	}
	for id, c := range ta.messageIDs() {
		if c != 1 {
			t.Errorf("message %s has %d copies", id, c)
		}
	}
	if got := ta["Archive/2024"].copies[bInbox[0].id]; got != 1 {
		t.Errorf("the message B moved is not in Archive/2024 on A")
	}
	if fl := ta["INBOX"].msgs[aInbox[9].id].flags; !strings.Contains(fl, `\Flagged`) {
		t.Errorf("B's flag change did not reach A: [%s]", fl)
	}
	idleIMAP(t, r, len(ta))
}

// idleIMAP runs twice more and checks that nothing happened. The first
// run still reads the flags of the messages the previous run appended
// (their modseqs are above the checkpoint it took before appending,
// RFC 7162 §6), so only the second must cost O(1) bytes on both servers.
func idleIMAP(t *testing.T, r *rig, mailboxes int) {
	t.Helper()
	for run := 1; run <= 2; run++ {
		r.farWire.reset()
		r.nearWire.reset()
		res, _ := r.sync()
		if got := sumResult(res); !got.idle() {
			t.Errorf("idle run %d did something: %+v", run, got)
		}
		if run == 1 {
			t.Logf("first idle run: %d bytes with A, %d with B, %d body fetches", r.farWire.total(),
				r.nearWire.total(), r.farWire.bodyFetches.Load()+r.nearWire.bodyFetches.Load())
			continue
		}
		checkIdleWire(t, &r.farWire, mailboxes)
		checkIdleWire(t, &r.nearWire, mailboxes)
	}
}

// uidByID returns the UID of the message with Message-ID id in mailbox.
func uidByID(t *testing.T, r *rig, user, mailbox, id string) uint32 {
	t.Helper()
	out := r.dovecot().Doveadm(t, "search", "-u", user, "mailbox", mailbox, "header", "Message-ID", id)
	fields := strings.Fields(out)
	if len(fields) != 2 {
		t.Fatalf("searching %s in %s/%q: %q, want one message", id, user, mailbox, out)
	}
	uid, err := strconv.ParseUint(fields[1], 10, 32)
	if err != nil {
		t.Fatalf("searching %s in %s/%q: %q: %v", id, user, mailbox, out, err)
	}
	return uint32(uid)
}

// firstUID returns the lowest UID in mailbox.
func firstUID(t *testing.T, r *rig, user, mailbox string) uint32 {
	t.Helper()
	msgs := r.dovecot().Fetch(t, user, mailbox, "uid")
	if len(msgs) == 0 {
		t.Fatalf("%s/%q is empty", user, mailbox)
	}
	uid, err := strconv.ParseUint(msgs[0]["uid"], 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(uid)
}
