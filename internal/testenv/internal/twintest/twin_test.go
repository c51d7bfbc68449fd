package twintest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// TestOwnServer uses this binary's shared Dovecot: seeds a message with
// doveadm, then logs in over TLS with a user only this server knows and
// sees the message. Connecting to another package's server would fail
// the login.
func TestOwnServer(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Entwürfe")
	srv.SaveMessage(t, u.Name, "Entwürfe", []byte("Subject: twin\n\nhello\n"))
	c, err := tls.Dial("tcp", srv.IMAPSAddr(), srv.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "a LOGIN %s %s\r\nb STATUS \"Entw&APw-rfe\" (MESSAGES)\r\nc LOGOUT\r\n", u.Name, u.Password)
	var got []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v (so far %q)", err, got)
		}
		got = append(got, strings.TrimRight(l, "\r\n"))
		if strings.HasPrefix(l, "c ") {
			break
		}
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"a OK", "* STATUS Entw&APw-rfe (MESSAGES 1)", "b OK"} {
		if !strings.Contains(all, want) {
			t.Errorf("session lacks %q:\n%s", want, all)
		}
	}
}
