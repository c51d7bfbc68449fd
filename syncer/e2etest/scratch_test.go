package e2etest

import (
	"fmt"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestScratch(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Archive/2024")
	srv.CreateMailbox(t, u.Name, "Entwürfe")
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Now(), []byte("Message-ID: <a@b>\nSubject: x\n\nbody\nline\n"), []byte("Message-ID: <c@b>\nSubject: y\n\nbody2\n"))
	srv.AddFlags(t, u.Name, "INBOX", uids[0], `\Seen`, "$Forwarded", "work")
	fmt.Printf("%q\n", srv.Doveadm(t, "-f", "pager", "fetch", "-u", u.Name, "uid flags text", "mailbox", "INBOX", "all"))
	fmt.Printf("%q\n", srv.ListMailboxes(t, u.Name))
	fmt.Printf("%q\n", srv.Doveadm(t, "-f", "tab", "mailbox", "list", "-u", u.Name))
}
