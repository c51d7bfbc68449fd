package cli

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/config"
)

// connectError is a failure to reach or trust an account's server, told
// in the configuration's words: what happened and which key changes it.
// It wraps the library's error for errors.Is/As.
type connectError struct {
	msg string
	err error
}

// Error returns the one-line explanation.
func (e *connectError) Error() string { return e.msg }

// Unwrap returns the library's error.
func (e *connectError) Unwrap() error { return e.err }

// explainConnect turns a dial, TLS or greeting failure into a connectError
// when it is one of the causes users meet (wrong port, nothing listening,
// a certificate not trusted or for another name); other errors come back
// wrapped with the address only.
func explainConnect(acct *config.Account, err error) error {
	addr := acct.Addr()
	if msg := connectMessage(acct, addr, err); msg != "" {
		return &connectError{msg: msg, err: err}
	}
	return fmt.Errorf("connecting to %s: %w", addr, err)
}

func connectMessage(acct *config.Account, addr string, err error) string {
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, imapclient.ErrPlaintext):
		return fmt.Sprintf(`%s answered in plaintext; for implicit TLS use port 993, or set tls = "starttls"`, addr)
	case errors.Is(err, imapclient.ErrNoGreeting) && acct.TLS != config.TLSImplicit:
		return fmt.Sprintf(`%s sent no IMAP greeting; if it is an implicit-TLS port (usually 993), set tls = "implicit"`, addr)
	case errors.Is(err, imapclient.ErrNoGreeting):
		return fmt.Sprintf("%s completed TLS but sent no IMAP greeting; is it an IMAP server?", addr)
	case errors.As(err, &hostErr):
		return hostnameMessage(addr, hostErr)
	case errors.Is(err, imapclient.ErrCertNotTrusted):
		return untrustedMessage(addr, unverifiedCert(err))
	case errors.Is(err, imapclient.ErrPinMismatch):
		return fmt.Sprintf("the certificate of %s is not the one pinned by fingerprint (%s); if the server's certificate changed, check the new one and update fingerprint", addr, certSummary(unverifiedCert(err)))
	}
	if reason := dialReason(err); reason != "" {
		return fmt.Sprintf("cannot connect to %s: %s", addr, reason)
	}
	return ""
}

// dialReason names why a TCP connection could not be made ("" when err is
// not such a failure).
func dialReason(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return dnsErr.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if opErr.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
			return "timed out"
		}
		return opErr.Err.Error()
	}
	return ""
}

func hostnameMessage(addr string, he x509.HostnameError) string {
	names := he.Certificate.DNSNames
	for _, ip := range he.Certificate.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && he.Certificate.Subject.CommonName != "" {
		names = []string{he.Certificate.Subject.CommonName}
	}
	return fmt.Sprintf(`the certificate of %s is for %s, not %s; if that is the same server, set tls_server_name = "%s" (or host)`,
		addr, strings.Join(names, ", "), he.Host, firstOr(names, "NAME"))
}

func untrustedMessage(addr string, cert *x509.Certificate) string {
	if cert == nil {
		return fmt.Sprintf(`the certificate of %s is not trusted; trust its CA with ca_file = "/path/ca.pem", or pin it with fingerprint = "sha256:…"`, addr)
	}
	return fmt.Sprintf(`the certificate of %s is not trusted (%s); if you trust it, set ca_file = "/path/to/its-ca.pem", or pin this certificate with fingerprint = "%s"`,
		addr, certSummary(cert), configFingerprint(cert))
}

// certSummary names a certificate as a person checks one: subject,
// issuer, SHA-256.
func certSummary(cert *x509.Certificate) string {
	if cert == nil {
		return "no certificate"
	}
	return fmt.Sprintf("subject %q, issuer %q, SHA-256 %s", cert.Subject.String(), cert.Issuer.String(), configFingerprint(cert)[len("sha256:"):])
}

// configFingerprint is the certificate's SHA-256 in the form the
// fingerprint key takes.
func configFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return "sha256:" + strings.ReplaceAll(fmt.Sprintf("% X", sum[:]), " ", ":")
}

// unverifiedCert digs the server's leaf certificate out of a TLS error.
func unverifiedCert(err error) *x509.Certificate {
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ce) && len(ce.UnverifiedCertificates) > 0 {
		return ce.UnverifiedCertificates[0]
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return ua.Cert
	}
	return nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
