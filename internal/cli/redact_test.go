package cli

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/config"
)

// TestRedaction: each secret is redacted in every form sent (plain,
// quoted, JSON-escaped, base64 of the SASL initial responses), at any
// place, when 8 bytes or longer; text around it is left intact.
func TestRedaction(t *testing.T) {
	acct := &config.Account{User: "me@example.org", Host: "mail.evil.test", Port: 993}
	long := `s3cr"et\pass`
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		secret, in, want string
	}{
		// Short secret: never searched for in output (the client scrubs
		// it from the server's answer to the login, imapclient.ScrubSecret);
		// a mailbox or word like it is shown as it is.
		{"test", "x509: certificate is valid for a.example, not mail.evil.test", "x509: certificate is valid for a.example, not mail.evil.test"},
		{"test", "work:test 3 pulled", "work:test 3 pulled"},
		{"test", `{"mailbox":"test"}`, `{"mailbox":"test"}`},
		// but its base64 forms, 8 bytes and more, are.
		{"test", "NO echo " + b64("\x00me@example.org\x00test"), "NO echo [redacted]"},
		// Long secret: anywhere, in each form.
		{long, "NO bad password: " + long + "!", "NO bad password: [redacted]!"},
		{long, `a1 LOGIN me "s3cr\"et\\pass"`, `a1 LOGIN me "[redacted]"`},
		{long, `{"error":"bad password s3cr\"et\\pass"}`, `{"error":"bad password [redacted]"}`},
		{long, "NO echo " + b64("\x00me@example.org\x00"+long), "NO echo [redacted]"},
		{long, "NO echo " + b64(long) + " end", "NO echo [redacted] end"},
		{long, "NO echo " + b64("n,a=me@example.org,\x01host=mail.evil.test\x01port=993\x01auth=Bearer "+long+"\x01\x01"), "NO echo [redacted]"},
		{long, "NO echo " + b64("user=me@example.org\x01auth=Bearer "+long+"\x01\x01"), "NO echo [redacted]"},
		{long, "prefix" + long + "suffix", "prefix[redacted]suffix"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		r := newRedactor(&out)
		r.addForms(secretForms(acct, c.secret))
		if _, err := r.Write([]byte(c.in)); err != nil {
			t.Fatal(err)
		}
		if out.String() != c.want {
			t.Errorf("secret %q:\n in   %s\n got  %s\n want %s", c.secret, c.in, out.String(), c.want)
		}
		if len(c.secret) >= redactMin && strings.Contains(out.String(), c.secret) {
			t.Errorf("secret %q left in %q", c.secret, out.String())
		}
	}
}
