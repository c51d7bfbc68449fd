package imapclient

import (
	"errors"
	"fmt"
)

// Errors returned by the client. Test them with errors.Is.
var (
	// ErrClosed is wrapped by the error of every command issued or pending
	// after the connection was closed (by Close, Logout, a network failure
	// or the server's BYE).
	ErrClosed = errors.New("imapclient: connection closed")

	// ErrCertNotTrusted is wrapped when the server's certificate does not
	// chain to a trusted root (the system's, or CAFile's). Its text says
	// "certificate not trusted".
	ErrCertNotTrusted = errors.New("certificate not trusted")

	// ErrPinMismatch is wrapped when the server's certificate does not have
	// the pinned SHA-256 fingerprint.
	ErrPinMismatch = errors.New("certificate fingerprint does not match the pinned one")

	// ErrNoSTARTTLS is wrapped when STARTTLS was required but the server does
	// not offer it; no credentials were sent (RFC 9051 §6.2.1).
	ErrNoSTARTTLS = errors.New("server does not offer STARTTLS, refusing to continue in plaintext")

	// ErrPlaintext is wrapped when neither TLS nor STARTTLS nor the
	// InsecurePlaintext option was chosen for a connection.
	ErrPlaintext = errors.New("plaintext connection refused (set InsecurePlaintext to allow it)")

	// ErrNoGreeting is wrapped when the server accepted the connection but
	// sent no greeting within Options.GreetingTimeout, as an implicit-TLS
	// port does when dialled for plaintext or STARTTLS.
	ErrNoGreeting = errors.New("no greeting from the server")

	// ErrLoginDisabled is wrapped when LOGIN (or a mechanism the client
	// needs) is refused by the server's capabilities, e.g. LOGINDISABLED
	// (RFC 9051 §7.2.2), before anything was sent.
	ErrLoginDisabled = errors.New("server refuses this login method (LOGINDISABLED or mechanism not offered)")

	// ErrIdleRunning is returned by Idle when another Idle call on the
	// same client is still running.
	ErrIdleRunning = errors.New("imapclient: Idle is already running on this connection")

	// ErrBusy is wrapped when a command that needs the connection for
	// itself (COMPRESS, STARTTLS) is issued while others are in flight.
	ErrBusy = errors.New("command needs an otherwise idle connection")
)

// ConnError reports that the connection failed (network error, timeout,
// protocol desynchronisation, BYE). The command did not complete; whether
// it took effect on the server is unknown. It is retryable: a Session
// reconnects, and the caller may run the command again.
type ConnError struct {
	Op  string // what was going on: "read", "write", "dial", "bye", ...
	Err error
}

// Error formats the error as "imapclient: connection lost (op): err".
func (e *ConnError) Error() string {
	return fmt.Sprintf("imapclient: connection lost (%s): %v", e.Op, e.Err)
}

// Unwrap returns the underlying error; ErrClosed is also matched by
// errors.Is through Is.
func (e *ConnError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrClosed) true for every ConnError.
func (e *ConnError) Is(target error) bool { return target == ErrClosed }

// Retryable reports true: the connection, not the command, failed.
func (e *ConnError) Retryable() bool { return true }

// IsRetryable reports whether err (or an error it wraps) says that the
// command failed because the connection failed or was being re-established,
// so that running it again on a fresh connection makes sense. Server
// refusals (*imap.Error NO/BAD) and context ends are not retryable.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}
