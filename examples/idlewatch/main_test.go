package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// TestWatch: a message delivered while idlewatch waits is printed with
// its sender and subject decoded.
func TestWatch(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.SaveMessage(t, u.Name, "INBOX", []byte("Subject: old\r\n\r\nalready there\r\n"))
	args := []string{"-addr", srv.IMAPSAddr(), "-user", u.Name, "-pass-cmd", "printf %s " + u.Password, "-ca", ca}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	expect := func(want string) {
		t.Helper()
		for lines.Scan() {
			if strings.Contains(lines.Text(), want) {
				return
			}
			if strings.Contains(lines.Text(), "old") {
				t.Errorf("printed a message that was there before: %q", lines.Text())
			}
		}
		t.Fatalf("output ended before %q: %v", want, lines.Err())
	}
	expect("watching INBOX")
	srv.SaveMessage(t, u.Name, "INBOX", []byte("From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\n"+
		"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus =?UTF-8?B?S8O2bG4=?=\r\n\r\nhi\r\n"))
	expect("Jürgen <j@example.org>: Grüße aus Köln")
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
