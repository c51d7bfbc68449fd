package testenv

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
)

// TestSTARTTLSOnPlainPort checks the plain port offers STARTTLS (RFC 9051
// §6.2.1), upgrades with the harness TLS config, then serves a login.
func TestSTARTTLSOnPlainPort(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	raw, err := net.Dial("tcp", srv.IMAPAddr())
	if err != nil {
		t.Fatal(err)
	}
	c := newTconn(t, raw)
	g := c.greeting()
	if !capsOf(g)["STARTTLS"] {
		t.Fatalf("plain-port greeting lacks STARTTLS: %q", g)
	}
	c.ok("STARTTLS")
	tc := tls.Client(raw, srv.TLSConfig())
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake after STARTTLS: %v", err)
	}
	c = newTconn(t, tc)
	c.login(u)
	caps := capsOf(c.ok("CAPABILITY")[0])
	if !caps["QRESYNC"] || caps["STARTTLS"] {
		t.Errorf("capabilities after STARTTLS+LOGIN: %v", caps)
	}
	c.ok("LOGOUT")
}

// TestUntrustedCertificateRefused shows the certificate is not trusted
// without the harness CA: clients really verify against CAPEM.
func TestUntrustedCertificateRefused(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	_, err := tls.Dial("tcp", srv.IMAPSAddr(), &tls.Config{ServerName: "localhost"})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("dial without the CA: err = %v, want a certificate error", err)
	}
}
