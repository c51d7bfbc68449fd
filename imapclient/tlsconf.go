package imapclient

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// tlsConfig builds the client TLS configuration for host from the options:
// system roots (or CAFile), or a SHA-256 pin of the leaf certificate.
func (o *Options) tlsConfig(host string) (*tls.Config, error) {
	var conf *tls.Config
	if o.TLSConfig != nil {
		conf = o.TLSConfig.Clone()
	} else {
		conf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	if o.CAFile != "" {
		pool, err := loadCAFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	if o.PinSHA256 != "" {
		pin, err := parsePin(o.PinSHA256)
		if err != nil {
			return nil, err
		}
		conf.InsecureSkipVerify = true // replaced by the pin check below
		conf.VerifyConnection = func(cs tls.ConnectionState) error { return checkPin(cs, pin) }
	}
	return conf, nil
}

func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("imapclient: reading CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("imapclient: CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// parsePin accepts a SHA-256 fingerprint in hex, with or without colons.
func parsePin(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("imapclient: pinned fingerprint %q is not a SHA-256 in hex", s)
	}
	return b, nil
}

func checkPin(cs tls.ConnectionState, pin []byte) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("imapclient: server sent no certificate: %w", ErrPinMismatch)
	}
	sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
	if subtle.ConstantTimeCompare(sum[:], pin) != 1 {
		return fmt.Errorf("imapclient: server certificate SHA-256 %s: %w", hex.EncodeToString(sum[:]), ErrPinMismatch)
	}
	return nil
}

// CertFingerprint returns the hex SHA-256 fingerprint of a DER certificate,
// the form PinSHA256 takes.
func CertFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// classifyTLS wraps a handshake error so that an untrusted chain says so.
func classifyTLS(addr string, err error) error {
	var ua x509.UnknownAuthorityError
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ua) || (errors.As(err, &ce) && errors.As(ce.Err, &ua)) {
		return fmt.Errorf("imapclient: TLS with %s: %w: %w", addr, ErrCertNotTrusted, err)
	}
	return fmt.Errorf("imapclient: TLS handshake with %s: %w", addr, err)
}

// hostOf returns the host part of addr.
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
