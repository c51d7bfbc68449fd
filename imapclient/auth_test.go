package imapclient

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

func TestLoginAndPlain(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	for _, mech := range []string{"LOGIN", "PLAIN", ""} {
		var tr traceBuf
		c := dialTLS(t, srv, &Options{TraceWriter: &tr})
		if err := c.Auth(testCtx(t), Credentials{Username: u.Name, Secret: SecretString(u.Password), Mechanism: mech}); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		if c.State() != StateAuthenticated || !c.Caps().Has(imap.CapQResync) {
			t.Errorf("%s: state %v, caps not re-read after auth: %v", mech, c.State(), c.Caps())
		}
		if strings.Contains(tr.String(), u.Password) || strings.Contains(tr.String(), b64PlainSecret(u)) {
			t.Errorf("%s: trace holds the password:\n%s", mech, tr.String())
		}
	}
}

func b64PlainSecret(u testenv.User) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + u.Name + "\x00" + u.Password))
}

func TestWrongPassword(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	for _, mech := range []string{"LOGIN", "PLAIN"} {
		c := dialTLS(t, srv, nil)
		err := c.Auth(testCtx(t), Credentials{Username: u.Name, Secret: SecretString("wrong"), Mechanism: mech})
		var ie *imap.Error
		if !errors.As(err, &ie) || !imap.HasCode(err, imap.CodeAuthenticationFailed) {
			t.Errorf("%s: want *imap.Error with AUTHENTICATIONFAILED, got %v", mech, err)
		}
	}
}

func TestPasswordCommand(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	var tr traceBuf
	c := dialTLS(t, srv, &Options{TraceWriter: &tr})
	// The command prints the password with a trailing newline, like `pass`.
	cmd := "printf '%s\\n' " + u.Password
	if err := c.Login(testCtx(t), u.Name, SecretCommand(cmd)); err != nil {
		t.Fatalf("login with password command: %v", err)
	}
	if strings.Contains(tr.String(), u.Password) {
		t.Errorf("trace holds the password:\n%s", tr.String())
	}
	if _, err := SecretCommand("exit 3").Get(testCtx(t)); err == nil {
		t.Error("failing password command gave no error")
	}
	called := 0
	f := SecretFunc(func(context.Context) (string, error) { called++; return u.Password, nil })
	c2 := dialTLS(t, srv, nil)
	if err := c2.Login(testCtx(t), u.Name, f); err != nil || called != 1 {
		t.Errorf("login with a password callback: %v (called %d times)", err, called)
	}
}

func TestLoginDisabled(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] fake")
		for l := f.read(); l != ""; l = f.read() {
			f.send(strings.Fields(l)[0] + " BAD no")
		}
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(testCtx(t), "u", SecretString("secret")); !errors.Is(err, ErrLoginDisabled) {
		t.Fatalf("want ErrLoginDisabled, got %v", err)
	}
	c.Close()
	<-fs.done
	for _, l := range fs.lines() {
		if strings.Contains(l, "secret") {
			t.Errorf("password sent despite LOGINDISABLED: %q", l)
		}
	}
}

// oauthScript plays a server for mech: the first attempt gets the error
// challenge, then the client's answer must be wantAnswer and gets NO; the
// second succeeds. irs receives each decoded initial response.
func oauthScript(mech, wantAnswer string, irs chan<- string) func(f *fakeConn) {
	return func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=" + mech + "] fake")
		for attempt := 0; ; attempt++ {
			l := f.read()
			fields := strings.Fields(l)
			if len(fields) < 4 {
				return
			}
			ir, _ := base64.StdEncoding.DecodeString(fields[3])
			irs <- string(ir)
			if attempt > 0 {
				f.send(fields[0] + " OK [CAPABILITY IMAP4rev1 IDLE] logged in")
				for l := f.read(); l != ""; l = f.read() {
					f.send(strings.Fields(l)[0] + " OK done")
				}
				return
			}
			f.send("+ " + base64.StdEncoding.EncodeToString([]byte(`{"status":"invalid_token"}`)))
			answer, _ := base64.StdEncoding.DecodeString(f.read())
			if string(answer) != wantAnswer {
				f.send(fields[0] + " BAD wrong answer to the error challenge")
				continue
			}
			f.send(fields[0] + " NO [AUTHENTICATIONFAILED] invalid token")
		}
	}
}

func TestOAuthMechanisms(t *testing.T) {
	rows := []struct {
		mech, answer, wantIR string
		sasl                 func(ch *[]byte) SASL
	}{
		{"XOAUTH2", "", "user=me@example.org\x01auth=Bearer tok123\x01\x01", func(ch *[]byte) SASL {
			return &XOAuth2{Username: "me@example.org", Token: SecretString("tok123"), Challenge: func(b []byte) { *ch = b }}
		}},
		{"OAUTHBEARER", "\x01", "n,a=me@example.org,\x01host=imap.example.org\x01port=993\x01auth=Bearer tok123\x01\x01", func(ch *[]byte) SASL {
			return &OAuthBearer{Username: "me@example.org", Token: SecretString("tok123"), Host: "imap.example.org", Port: 993,
				Challenge: func(b []byte) { *ch = b }}
		}},
	}
	for _, row := range rows {
		t.Run(row.mech, func(t *testing.T) {
			irs := make(chan string, 4)
			fs := newFakeServer(t, oauthScript(row.mech, row.answer, irs))
			var tr traceBuf
			c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, TraceWriter: &tr})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var challenge []byte
			err = c.Authenticate(testCtx(t), row.sasl(&challenge))
			if !imap.HasCode(err, imap.CodeAuthenticationFailed) {
				t.Fatalf("failure challenge: want NO [AUTHENTICATIONFAILED], got %v", err)
			}
			if !strings.Contains(string(challenge), "invalid_token") {
				t.Errorf("error challenge not passed on: %q", challenge)
			}
			if err := c.Authenticate(testCtx(t), row.sasl(&challenge)); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			if !c.Caps().Has(imap.CapIdle) || c.State() != StateAuthenticated {
				t.Errorf("caps %v state %v", c.Caps(), c.State())
			}
			if ir := <-irs; ir != row.wantIR {
				t.Errorf("initial response %q, want %q", ir, row.wantIR)
			}
			if strings.Contains(tr.String(), "tok123") || strings.Contains(tr.String(), base64.StdEncoding.EncodeToString([]byte(row.wantIR))) {
				t.Errorf("trace holds the token:\n%s", tr.String())
			}
		})
	}
}

// TestPlainWithoutSASLIR: without SASL-IR the initial response follows
// the server's empty challenge (RFC 9051 §6.2.2).
func TestPlainWithoutSASLIR(t *testing.T) {
	got := make(chan string, 2)
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake")
		l := f.read()
		got <- l
		f.send("+ ")
		ir, _ := base64.StdEncoding.DecodeString(f.read())
		got <- string(ir)
		f.send(strings.Fields(l)[0] + " OK [CAPABILITY IMAP4rev1] in")
		for l := f.read(); l != ""; l = f.read() {
			f.send(strings.Fields(l)[0] + " OK done")
		}
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Authenticate(testCtx(t), &PlainAuth{Username: "me", Password: SecretString("pw")}); err != nil {
		t.Fatal(err)
	}
	if cmd := <-got; !strings.HasSuffix(cmd, "AUTHENTICATE PLAIN") {
		t.Errorf("command %q", cmd)
	}
	if ir := <-got; ir != "\x00me\x00pw" {
		t.Errorf("initial response %q", ir)
	}
	if err := c.Authenticate(testCtx(t), &XOAuth2{Username: "me", Token: SecretString("t")}); !errors.Is(err, ErrLoginDisabled) {
		t.Errorf("mechanism not offered: %v", err)
	}
}
