package imapclient_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
)

// The runnable examples talk to the private Dovecot the tests start on
// 127.0.0.1 (internal/testenv). exampleAccount gives each a fresh user
// whose INBOX holds greetingMessage; in a program, use your server's
// address, TLS options and credentials instead.

const greetingMessage = "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>\r\n" +
	"To: me@example.org\r\n" +
	"Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?ISO-8859-1?Q?K=F6ln?=\r\n" +
	"Message-ID: <greeting@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
	"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n" +
	"--b\r\nContent-Type: application/pdf\r\n" +
	"Content-Disposition: attachment; filename*=utf-8''Gr%C3%BC%C3%9Fe.pdf\r\n\r\nJVBERi0=\r\n" +
	"--b--\r\n"

type account struct {
	Addr     string
	Options  imapclient.Options // TLS trusting the test server's CA
	User     string
	Password imapclient.Secret
	srv      *testenv.Server
}

// exampleAccount returns a fresh account on the test server.
func exampleAccount() account {
	tb := exampleTB{}
	srv := testenv.Dovecot(tb)
	u := srv.NewUser(tb)
	srv.SaveMessage(tb, u.Name, "INBOX", []byte(greetingMessage))
	return account{Addr: srv.IMAPSAddr(), Options: imapclient.Options{TLSConfig: srv.TLSConfig()},
		User: u.Name, Password: imapclient.SecretString(u.Password), srv: srv}
}

// deliver puts a message in the account's INBOX behind the client's back.
func (a account) deliver(raw string) { a.srv.SaveMessage(exampleTB{}, a.User, "INBOX", []byte(raw)) }

// exampleTB lets the examples use testenv, which reports through a
// testing.TB; a failure ends the test binary.
type exampleTB struct{ testing.TB }

func (exampleTB) Helper()           {}
func (exampleTB) Fatal(args ...any) { fmt.Fprintln(os.Stderr, args...); os.Exit(1) }
func (exampleTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
func (exampleTB) Logf(format string, args ...any) {}
func (exampleTB) Cleanup(func())                  {}
func (exampleTB) Name() string                    { return "example" }
