package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testMessage returns a small RFC 5322 message numbered n.
func testMessage(n int) []byte {
	return fmt.Appendf(nil, "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"+
		"Subject: message %d\r\nMessage-ID: <m%d@example.org>\r\n"+
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nBody of message %d.\r\n", n, n, n)
}

// TestSeed100MessagesAndFolders is issue 2's second acceptance test:
// 100 messages and the folders "Entwürfe" and "Archive/2024" are seeded
// server-side (doveadm mailbox create; APPEND through Dovecot's preauth
// imap), then read back through doveadm (and seen over IMAP).
func TestSeed100MessagesAndFolders(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Entwürfe")
	srv.CreateMailbox(t, u.Name, "Archive/2024")
	counts := map[string]int{"INBOX": 60, "Entwürfe": 25, "Archive/2024": 15}
	n := 0
	for _, mb := range []string{"INBOX", "Entwürfe", "Archive/2024"} {
		var raws [][]byte
		for range counts[mb] {
			n++
			raws = append(raws, testMessage(n))
		}
		uids := srv.SaveMessages(t, u.Name, mb, raws...)
		for i, uid := range uids {
			if uid != uint32(i+1) {
				t.Fatalf("%s: message %d got UID %d, want %d", mb, i, uid, i+1)
			}
		}
	}
	mboxes := srv.ListMailboxes(t, u.Name)
	for _, want := range []string{"INBOX", "Entwürfe", "Archive/2024"} {
		if !slices.Contains(mboxes, want) {
			t.Errorf("ListMailboxes = %q, missing %q", mboxes, want)
		}
	}
	total := 0
	for mb, want := range counts {
		st := srv.MailboxStatus(t, u.Name, mb)
		if st["messages"] != strconv.Itoa(want) || st["uidnext"] != strconv.Itoa(want+1) {
			t.Errorf("%s status %v, want %d messages", mb, st, want)
		}
		total += len(srv.Fetch(t, u.Name, mb, "uid flags guid"))
	}
	if total != 100 {
		t.Errorf("doveadm fetch found %d messages, want 100", total)
	}
	if _, err := os.Stat(filepath.Join(srv.MailDir(u.Name), "Entw&APw-rfe", "cur")); err != nil {
		t.Errorf("Entwürfe not stored as its mUTF-7 directory: %v", err)
	}
	checkFlagsAndText(t, srv, u)
	checkIMAPList(t, srv, u)
}

// checkFlagsAndText sets flags on seeded messages and reads them and the
// message text back.
func checkFlagsAndText(t *testing.T, srv *Server, u User) {
	srv.SetFlags(t, u.Name, "Entwürfe", 3, `\Seen`, `\Flagged`, "$Forwarded")
	srv.SetFlags(t, u.Name, "Archive/2024", 15, `\Answered`)
	if got := srv.MessageFlags(t, u.Name, "Entwürfe", 3); !slices.Equal(got, []string{`\Flagged`, `\Seen`, "$Forwarded"}) {
		t.Errorf("flags of Entwürfe/3 = %q", got)
	}
	rows := srv.Fetch(t, u.Name, "Archive/2024", "uid flags")
	if len(rows) != 15 || rows[14]["uid"] != "15" || !strings.Contains(rows[14]["flags"], `\Answered`) {
		t.Errorf("Archive/2024 fetch: %v", rows)
	}
	if st := srv.MailboxStatus(t, u.Name, "Entwürfe"); st["unseen"] != "24" {
		t.Errorf("Entwürfe unseen = %q, want 24", st["unseen"])
	}
	if got, want := srv.FetchText(t, u.Name, "INBOX", 7), strings.ReplaceAll(string(testMessage(7)), "\r\n", "\n"); string(got) != want {
		t.Errorf("FetchText INBOX/7 = %q, want %q", got, want)
	}
}

// checkIMAPList logs in and checks LIST shows the seeded folders with "/"
// as delimiter and the non-ASCII name in modified UTF-7 (RFC 9051 §5.1.3).
func checkIMAPList(t *testing.T, srv *Server, u User) {
	c := dialTLS(t, srv, "localhost")
	c.greeting()
	c.login(u)
	list := strings.Join(c.ok(`LIST "" "*"`), "\n")
	for _, want := range []string{`"/" Entw&APw-rfe`, `"/" Archive/2024`, `\Noselect \HasChildren \Archive) "/" Archive`} {
		if !strings.Contains(list, want) {
			t.Errorf("LIST lacks %q:\n%s", want, list)
		}
	}
	sel := strings.Join(c.ok(`SELECT "Archive/2024"`), "\n")
	if !strings.Contains(sel, "* 15 EXISTS") {
		t.Errorf("SELECT Archive/2024:\n%s", sel)
	}
	c.ok("LOGOUT")
}
