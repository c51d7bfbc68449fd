package testenv

import (
	"crypto/x509"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(RunMain(m)) }

// poolFromPEM builds a cert pool from PEM, failing on garbage.
func poolFromPEM(tb testing.TB, pem []byte) *x509.CertPool {
	tb.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatalf("CAPEM is not a PEM certificate: %q", pem)
	}
	return pool
}

// wantCaps are the extensions the project's client and stores rely on.
var wantCaps = []string{
	"IMAP4REV1", "CONDSTORE", "QRESYNC", "IDLE", "UIDPLUS", "MOVE", "ESEARCH",
	"LIST-EXTENDED", "SPECIAL-USE", "NOTIFY", "COMPRESS=DEFLATE", "ENABLE", "LITERAL+",
}

// TestCapabilitiesOverTLS is issue 2's first acceptance test: a plain
// crypto/tls client trusting the generated CA reads the greeting, logs
// in and finds the extensions in CAPABILITY.
func TestCapabilitiesOverTLS(t *testing.T) {
	t.Parallel()
	srv := Dovecot(t)
	u := srv.NewUser(t)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		t.Run(name, func(t *testing.T) {
			c := dialTLS(t, srv, name)
			g := c.greeting()
			if !strings.HasPrefix(g, "* OK [CAPABILITY ") {
				t.Fatalf("greeting %q", g)
			}
			if capsOf(g)["STARTTLS"] {
				t.Errorf("STARTTLS offered on the implicit-TLS port: %q", g)
			}
			c.login(u)
			untagged := c.ok("CAPABILITY")
			if len(untagged) != 1 || !strings.HasPrefix(untagged[0], "* CAPABILITY ") {
				t.Fatalf("CAPABILITY answered %q", untagged)
			}
			caps := capsOf(untagged[0])
			for _, want := range wantCaps {
				if !caps[want] {
					t.Errorf("capability %s missing from %q", want, untagged[0])
				}
			}
			c.ok("LOGOUT")
		})
	}
}
