package imapclient

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestTLSWithHarnessCA(t *testing.T) {
	srv := testenv.Dovecot(t)
	c := dialTLS(t, srv, nil)
	if !c.Caps().Has("IMAP4rev1") {
		t.Errorf("caps %v", c.Caps())
	}
	if c.State() != StateNotAuthenticated {
		t.Errorf("state %v", c.State())
	}
}

func TestTLSWithCAFile(t *testing.T) {
	srv := testenv.Dovecot(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(testCtx(t), srv.IMAPSAddr(), &Options{CAFile: ca, TLSConfig: &tls.Config{ServerName: "localhost"}})
	if err != nil {
		t.Fatalf("Dial with CA file: %v", err)
	}
	c.Close()
}

func TestTLSUntrusted(t *testing.T) {
	srv := testenv.Dovecot(t)
	_, err := Dial(testCtx(t), srv.IMAPSAddr(), &Options{TLSConfig: &tls.Config{ServerName: "localhost"}})
	if !errors.Is(err, ErrCertNotTrusted) || !strings.Contains(err.Error(), "certificate not trusted") {
		t.Fatalf("want certificate not trusted, got %v", err)
	}
}

// serverCertFingerprint reads the leaf certificate's fingerprint.
func serverCertFingerprint(t *testing.T, srv *testenv.Server) string {
	t.Helper()
	conn, err := tls.Dial("tcp", srv.IMAPSAddr(), srv.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return CertFingerprint(conn.ConnectionState().PeerCertificates[0].Raw)
}

func TestPinnedFingerprint(t *testing.T) {
	srv := testenv.Dovecot(t)
	good := serverCertFingerprint(t, srv)
	c, err := Dial(testCtx(t), srv.IMAPSAddr(), &Options{PinSHA256: good})
	if err != nil {
		t.Fatalf("right pin refused: %v", err)
	}
	c.Close()
	bad := strings.Repeat("ab", 32)
	_, err = Dial(testCtx(t), srv.IMAPSAddr(), &Options{PinSHA256: bad, TLSConfig: srv.TLSConfig()})
	if !errors.Is(err, ErrPinMismatch) {
		t.Fatalf("wrong pin: want ErrPinMismatch, got %v", err)
	}
}

func TestSTARTTLSWithDovecot(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	var tr traceBuf
	c, err := Dial(testCtx(t), srv.IMAPAddr(), &Options{STARTTLS: true, TLSConfig: srv.TLSConfig(), TraceWriter: &tr})
	if err != nil {
		t.Fatalf("Dial STARTTLS: %v", err)
	}
	defer c.Close()
	if c.Caps().Has("STARTTLS") {
		t.Errorf("capabilities not re-read after STARTTLS: %v", c.Caps())
	}
	if err := c.Login(testCtx(t), u.Name, SecretString(u.Password)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tr.String(), "C: S2 STARTTLS") && !strings.Contains(tr.String(), "STARTTLS\n") {
		t.Errorf("no STARTTLS in trace:\n%s", tr.String())
	}
}

func TestSTARTTLSNotOffered(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready")
		for l := f.read(); l != ""; l = f.read() {
			f.send(strings.Fields(l)[0] + " BAD no")
		}
	})
	_, err := Dial(testCtx(t), fs.addr(), &Options{STARTTLS: true})
	if !errors.Is(err, ErrNoSTARTTLS) {
		t.Fatalf("want ErrNoSTARTTLS, got %v", err)
	}
	<-fs.done
	if lines := fs.lines(); len(lines) != 0 {
		t.Errorf("client sent %q to a server without STARTTLS", lines)
	}
}

func TestPlaintextRefusedUnlessInsecure(t *testing.T) {
	srv := testenv.Dovecot(t)
	_, err := Dial(testCtx(t), srv.IMAPAddr(), &Options{TLSConfig: srv.TLSConfig()})
	if !errors.Is(err, ErrPlaintext) {
		t.Fatalf("plaintext port without the insecure option: want ErrPlaintext, got %v", err)
	}
	c, err := Dial(testCtx(t), srv.IMAPAddr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatalf("InsecurePlaintext: %v", err)
	}
	defer c.Close()
	if !c.Caps().Has("STARTTLS") {
		t.Errorf("plain port caps %v", c.Caps())
	}
}

// TestSTARTTLSInjectionRefused: bytes the server sends after its STARTTLS
// OK, before the handshake, are refused (response injection).
func TestSTARTTLSInjectionRefused(t *testing.T) {
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] fake")
		l := f.read()
		f.c.Write([]byte(strings.Fields(l)[0] + " OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"))
		f.read()
	})
	_, err := Dial(testCtx(t), fs.addr(), &Options{STARTTLS: true})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Op != "starttls" {
		t.Fatalf("want a starttls *ConnError, got %v", err)
	}
}

// TestSTARTTLSOnImplicitTLSPort: a STARTTLS (or plaintext) dial to a port
// that speaks implicit TLS meets a server waiting for a ClientHello and
// saying nothing. Dial must give up after GreetingTimeout, not after the
// whole dial budget, with ErrNoGreeting so the caller can say which
// setting fixes it.
func TestSTARTTLSOnImplicitTLSPort(t *testing.T) {
	srv := testenv.Dovecot(t)
	_, err := Dial(testCtx(t), srv.IMAPSAddr(), &Options{STARTTLS: true, TLSConfig: srv.TLSConfig(),
		GreetingTimeout: 300 * time.Millisecond, DialTimeout: time.Hour})
	if !errors.Is(err, ErrNoGreeting) {
		t.Fatalf("Dial STARTTLS to the IMAPS port: %v, want ErrNoGreeting", err)
	}
	if !strings.Contains(err.Error(), srv.IMAPSAddr()) {
		t.Errorf("error does not name the address: %v", err)
	}
}
