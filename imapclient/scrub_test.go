package imapclient

import (
	"strings"
	"testing"
)

// TestServerEchoOfShortPasswordScrubbed: a server that echoes a short
// password in its answer to LOGIN or AUTHENTICATE PLAIN has it hidden in
// the returned error and in the trace; the same word later (a mailbox
// named like the password) is shown as it is.
func TestServerEchoOfShortPasswordScrubbed(t *testing.T) {
	for _, mech := range []string{"LOGIN", "PLAIN"} {
		t.Run(mech, func(t *testing.T) {
			fs := newFakeServer(t, func(f *fakeConn) {
				f.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake")
				l := f.read()
				tag := strings.Fields(l)[0]
				f.send("* OK you said test", tag+" NO [AUTHENTICATIONFAILED] bad password: test")
				l = f.read()
				tag = strings.Fields(l)[0]
				f.send(`* LIST () "/" test`, tag+" OK listed")
				f.read()
			})
			var tr traceBuf
			c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, TraceWriter: &tr})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Auth(testCtx(t), Credentials{Username: "me", Secret: SecretString("test"), Mechanism: mech})
			if err == nil || !strings.Contains(err.Error(), "bad password: [redacted]") || strings.Contains(err.Error(), ": test") {
				t.Errorf("error %v: want the echoed password redacted", err)
			}
			if _, err := c.List(testCtx(t), "", "*", nil); err != nil {
				t.Fatal(err)
			}
			trace := tr.String()
			for _, want := range []string{"S: * OK you said [redacted]", "bad password: [redacted]", `S: * LIST () "/" test`} {
				if !strings.Contains(trace, want) {
					t.Errorf("trace lacks %q:\n%s", want, trace)
				}
			}
			if strings.Contains(trace, "said test") || strings.Contains(trace, "password: test") {
				t.Errorf("trace holds the password:\n%s", trace)
			}
		})
	}
}

func TestScrubSecretRule(t *testing.T) {
	for _, c := range []struct{ secret, in, want string }{
		{"test", "NO bad password: test", "NO bad password: [redacted]"},
		{"test", "mail.evil.test contest testing", "mail.evil.test contest testing"},
		{"test", `LOGIN me "test"`, `LOGIN me "[redacted]"`},
		{"test", "password test.", "password [redacted]."},
		{"hunter2hunter2", "xxhunter2hunter2yy", "xx[redacted]yy"},
	} {
		if got := ScrubSecret(c.in, []byte(c.secret)); got != c.want {
			t.Errorf("ScrubSecret(%q, %q) = %q, want %q", c.in, c.secret, got, c.want)
		}
	}
}
