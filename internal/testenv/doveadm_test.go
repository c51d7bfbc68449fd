package testenv

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestForceUIDValidityChange wants a new UIDVALIDITY with the same
// messages, seen both by doveadm and by an IMAP SELECT.
func TestForceUIDValidityChange(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Archive/2024")
	srv.SaveMessages(t, u.Name, "Archive/2024", testMessage(1), testMessage(2), testMessage(3))
	before := srv.MailboxStatus(t, u.Name, "Archive/2024")
	nv := srv.ForceUIDValidityChange(t, u.Name, "Archive/2024")
	after := srv.MailboxStatus(t, u.Name, "Archive/2024")
	if after["uidvalidity"] == before["uidvalidity"] || after["uidvalidity"] != fmt.Sprint(nv) {
		t.Errorf("uidvalidity %s → %s, returned %d", before["uidvalidity"], after["uidvalidity"], nv)
	}
	if after["messages"] != "3" {
		t.Errorf("messages after the change = %s, want 3", after["messages"])
	}
	c := dialTLS(t, srv, "localhost")
	c.greeting()
	c.login(u)
	sel := strings.Join(c.ok(`SELECT "Archive/2024"`), "\n")
	if want := fmt.Sprintf("[UIDVALIDITY %d]", nv); !strings.Contains(sel, want) || !strings.Contains(sel, "* 3 EXISTS") {
		t.Errorf("SELECT after the change lacks %s or 3 EXISTS:\n%s", want, sel)
	}
}

// TestFlagsAndExpunge exercises SetFlags/AddFlags/RemoveFlags/Expunge.
func TestFlagsAndExpunge(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	uids := srv.SaveMessages(t, u.Name, "INBOX", testMessage(1), testMessage(2), testMessage(3), testMessage(4))
	srv.SetFlags(t, u.Name, "INBOX", uids[0], `\Seen`, "Work")
	srv.AddFlags(t, u.Name, "INBOX", uids[0], `\Flagged`)
	srv.RemoveFlags(t, u.Name, "INBOX", uids[0], "Work")
	if got := srv.MessageFlags(t, u.Name, "INBOX", uids[0]); !slices.Equal(got, []string{`\Flagged`, `\Seen`}) {
		t.Errorf("flags = %q, want [\\Flagged \\Seen]", got)
	}
	srv.SetFlags(t, u.Name, "INBOX", uids[0])
	if got := srv.MessageFlags(t, u.Name, "INBOX", uids[0]); len(got) != 0 {
		t.Errorf("flags after clearing = %q", got)
	}
	srv.Expunge(t, u.Name, "INBOX", uids[1], uids[3])
	rows := srv.Fetch(t, u.Name, "INBOX", "uid")
	var left []string
	for _, r := range rows {
		left = append(left, r["uid"])
	}
	if want := []string{fmt.Sprint(uids[0]), fmt.Sprint(uids[2])}; !slices.Equal(left, want) {
		t.Errorf("UIDs after expunge = %v, want %v", left, want)
	}
	if st := srv.MailboxStatus(t, u.Name, "INBOX"); st["messages"] != "2" || st["uidnext"] != "5" {
		t.Errorf("status after expunge: %v", st)
	}
}

// TestSaveUIDsWithConcurrentAppend saves through the harness while an
// IMAP client appends to the same mailbox: the returned UIDs must be the
// harness's own messages.
func TestSaveUIDsWithConcurrentAppend(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(0)) // INBOX exists from here on
	c := dialTLS(t, srv, "localhost")
	c.greeting()
	c.login(u)
	done := make(chan error, 1)
	go func() {
		msg := "Subject: via IMAP\r\n\r\nx\r\n"
		for range 5 {
			if _, st := c.cmd("APPEND INBOX {%d+}\r\n%s", len(msg), msg); !strings.HasPrefix(st, "OK") {
				done <- fmt.Errorf("APPEND: %s", st)
				return
			}
		}
		done <- nil
	}()
	var raws [][]byte
	for i := range 5 {
		raws = append(raws, testMessage(100+i))
	}
	uids := srv.SaveMessages(t, u.Name, "INBOX", raws...)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, uid := range uids {
		text := string(srv.FetchText(t, u.Name, "INBOX", uid))
		if want := fmt.Sprintf("Subject: message %d\n", 100+i); !strings.Contains(text, want) {
			t.Errorf("UID %d holds %q, want %q", uid, text, want)
		}
	}
}

// TestPreauthCommand talks IMAP to a pre-authenticated imap process over
// its stdin and stdout.
func TestPreauthCommand(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := srv.PreauthCommand(ctx, u.Name)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(in, "a SELECT INBOX\r\nb LOGOUT\r\n")
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("imap exited: %v; output %q", err, lines)
	}
	all := strings.Join(lines, "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "* PREAUTH [CAPABILITY ") || !capsOf(lines[0])["QRESYNC"] {
		t.Fatalf("no PREAUTH greeting with capabilities: %q", lines)
	}
	for _, want := range []string{"* 1 EXISTS", "a OK", "b OK"} {
		if !strings.Contains(all, want) {
			t.Errorf("preauth session lacks %q:\n%s", want, all)
		}
	}
}

// TestDoveadmRaw runs a raw doveadm command through the harness config.
func TestDoveadmRaw(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	out := srv.Doveadm(t, "user", u.Name)
	if !strings.Contains(out, srv.MailDir(u.Name)[:len(srv.MailDir(u.Name))-len("/Maildir")]) {
		t.Errorf("doveadm user %s: %q lacks the home %s", u.Name, out, srv.MailDir(u.Name))
	}
}

// TestDeliverMessages seeds 1000 messages by Maildir delivery, with a
// chosen INTERNALDATE, and reads them back.
func TestDeliverMessages(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Archive/2024")
	raws := make([][]byte, 1000)
	for i := range raws {
		raws[i] = testMessage(i)
	}
	date := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	uids := srv.DeliverMessages(t, u.Name, "Archive/2024", date, raws...)
	for i, uid := range uids {
		if uid != uint32(i+1) {
			t.Fatalf("message %d got UID %d", i, uid)
		}
	}
	if st := srv.MailboxStatus(t, u.Name, "Archive/2024"); st["messages"] != "1000" {
		t.Errorf("status after delivery: %v", st)
	}
	if got := string(srv.FetchText(t, u.Name, "Archive/2024", 500)); got != string(raws[499]) {
		t.Errorf("UID 500 holds %q, want %q", got, raws[499])
	}
	rows := srv.Fetch(t, u.Name, "Archive/2024", "uid date.received")
	if len(rows) != 1000 || !strings.HasPrefix(rows[0]["date.received"], "2024-03-04") {
		t.Errorf("received date of UID 1: %v", rows[0])
	}
	fresh := srv.NewUser(t) // INBOX not created yet
	more := srv.DeliverMessages(t, fresh.Name, "INBOX", time.Time{}, testMessage(1))
	if len(more) != 1 || more[0] != 1 {
		t.Errorf("delivery into INBOX: UIDs %v", more)
	}
}

// TestSaveOddMailboxNames saves into names needing modified UTF-7 or
// quoting, and gets a clear error for a missing mailbox.
func TestSaveOddMailboxNames(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	for _, name := range []string{"R&D", `Say "hi"`, "日本語/台北"} {
		srv.CreateMailbox(t, u.Name, name)
		if uid := srv.SaveMessage(t, u.Name, name, testMessage(1)); uid != 1 {
			t.Errorf("%q: UID %d", name, uid)
		}
		if st := srv.MailboxStatus(t, u.Name, name); st["messages"] != "1" {
			t.Errorf("%q: status %v", name, st)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := srv.appendAll(ctx, u.Name, `"Nope"`, [][]byte{testMessage(1)})
	if err == nil || !strings.Contains(err.Error(), "TRYCREATE") {
		t.Errorf("APPEND to a missing mailbox: err = %v, want TRYCREATE", err)
	}
}
