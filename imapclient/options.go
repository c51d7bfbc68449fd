package imapclient

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/imapdir/imapdir/internal/imapwire"
)

// Defaults of Options.
const (
	DefaultMaxInFlight   = 16
	DefaultDialTimeout   = 30 * time.Second
	DefaultGreeting      = 15 * time.Second
	DefaultKeepAlive     = 30 * time.Second
	DefaultUserTimeout   = 30 * time.Second
	DefaultIdleRestart   = 28 * time.Minute // RFC 2177 §3: servers may log out after 30 min
	DefaultPollInterval  = time.Minute
	DefaultIdleGrace     = 100 * time.Millisecond
	DefaultQueueWarnSize = 1024
)

// Options configure Dial. The zero value dials implicit TLS (RFC 8314
// §3.3) with certificates verified against the system roots.
type Options struct {
	// TLSConfig is cloned and used for TLS; ServerName defaults to the
	// host of the address. Nil: a default configuration (TLS 1.2+).
	TLSConfig *tls.Config
	// STARTTLS connects in plaintext and upgrades with STARTTLS
	// (RFC 9051 §6.2.1). If the server does not offer it, Dial fails
	// with ErrNoSTARTTLS before any credentials are sent; there is no
	// fallback to plaintext.
	STARTTLS bool
	// InsecurePlaintext allows a connection with neither TLS nor STARTTLS.
	// Passwords then cross the network readable by anyone on the path.
	InsecurePlaintext bool
	// CAFile names a PEM file of CA certificates trusted instead of the
	// system roots.
	CAFile string
	// PinSHA256 is the hex (colons allowed) SHA-256 fingerprint of the
	// server's leaf certificate (DER). When set it replaces chain
	// verification: the certificate is accepted if and only if it matches.
	PinSHA256 string

	// DialTimeout bounds the TCP connect and TLS handshake (in addition to
	// the context of Dial).
	DialTimeout time.Duration
	// GreetingTimeout bounds the wait for the server's greeting once the
	// connection is up (and the TLS handshake done, for implicit TLS).
	// A server that accepted the connection and stays silent is most
	// often an implicit-TLS port dialled in plaintext or for STARTTLS: it
	// waits for a TLS ClientHello. Dial then fails with ErrNoGreeting.
	// Default 15 s; it never extends DialTimeout.
	GreetingTimeout time.Duration
	// KeepAlive is the TCP keepalive idle time: after this much silence
	// the kernel probes every KeepAlive/3 and drops the connection after
	// three unanswered probes. Default 30 s; negative disables it.
	KeepAlive time.Duration
	// UserTimeout sets TCP_USER_TIMEOUT on Linux: unacknowledged data for
	// this long kills the connection, so a dead link is noticed in seconds.
	// Negative disables it.
	UserTimeout time.Duration
	// Dialer replaces net.Dialer (tests, proxies). It receives "tcp" and
	// the address given to Dial. Keepalive and user timeout are then the
	// dialer's business.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

	// StallTimeout, when positive, closes the connection with a *ConnError
	// (Op "timeout") when a command other than IDLE has waited this long
	// while no byte moved either way (the server sent nothing and nothing
	// of ours was taken: an upload still moving is progress): a hung
	// server or a black-holed link, which TCP alone notices only when data
	// is unacknowledged. A
	// Session then reconnects. Choose it above the longest silent command
	// you run (a SEARCH of a huge mailbox may take a while; Dovecot sends
	// progress lines meanwhile). Zero disables it.
	StallTimeout time.Duration

	// MaxInFlight caps the commands sent and not yet completed; more wait
	// in a pending queue (FIFO on a semaphore). Default 16.
	MaxInFlight int

	// Handler receives unilateral data and connection events (see Event).
	// It runs on its own goroutine; see the package documentation for the
	// queueing policy. More handlers, per event kind or response name, can
	// be registered and removed at any time with Client.Handle and
	// Client.HandleResponse.
	Handler func(Event)
	// QueueWarnSize: when this many events wait for a slow Handler, a
	// warning is logged (and again at each doubling). Default 1024.
	QueueWarnSize int

	// Logger receives warnings (slow handler, unexpected responses). Nil
	// discards them.
	Logger *slog.Logger
	// Trace receives the protocol trace, one record per line at Debug
	// level with the message "C: ..." or "S: ...". The "C: " lines are
	// the bytes sent, cut at CRLF, with the LOGIN password, the
	// AUTHENTICATE initial response and SASL responses always redacted,
	// and message bodies sent (APPEND) and literals over 4 KiB shown as
	// "<N bytes>". The "S: " lines are the responses as decoded.
	Trace *slog.Logger
	// TraceWriter receives the same trace as plain "C: ...\n" lines.
	TraceWriter io.Writer
	// TraceLiterals shows the literals the server sends in the trace:
	// those of up to 4 KiB in full, and the first 4 KiB of every message
	// body received (on a line of its own before the response's).
	// Otherwise they appear as "{N bytes}".
	TraceLiterals bool

	// IdleRestart is how long one IDLE command lasts before the client ends
	// and restarts it (RFC 2177 §3). Default 28 minutes.
	IdleRestart time.Duration
	// PollInterval is the NOOP period of Idle when the server lacks IDLE.
	// Default one minute.
	PollInterval time.Duration
	// IdleGrace is how long the connection must have been without
	// commands before Idle enters IDLE again, so that commands issued
	// back to back do not each cost an IDLE and a DONE. Default 100 ms;
	// negative: none.
	IdleGrace time.Duration

	// Decoder bounds what a response may make the client hold in memory.
	Decoder DecoderOptions
}

// DecoderOptions bound what the server's responses may make the client
// allocate: every size a server sends is untrusted. A response beyond a
// limit closes the connection with a *ConnError naming the limit. Zero
// fields take the defaults given. Message bodies handed to a BodyFunc are
// streamed and bounded by none of these.
type DecoderOptions struct {
	// MaxLiteral bounds a literal that is not a message body (a mailbox
	// name, a header field); it is refused before any of it is read.
	// Default 1 MiB.
	MaxLiteral int64
	// MaxBodyBuffer bounds a message body kept in memory, i.e. fetched
	// without FetchOptions.Body. Default 64 MiB.
	MaxBodyBuffer int64
	// MaxLine bounds one response line, literals excluded. Default 8 MiB.
	MaxLine int
	// MaxDepth bounds the nesting of parenthesized lists. Default 64.
	MaxDepth int
	// MaxResponse bounds the memory one response holds: its lines, its
	// in-memory literals and about 32 bytes per value. Default 64 MiB.
	MaxResponse int64
}

// wire converts the options for the decoder.
func (o DecoderOptions) wire() imapwire.DecoderOptions {
	return imapwire.DecoderOptions{MaxLiteral: o.MaxLiteral, MaxBodyBuffer: o.MaxBodyBuffer,
		MaxLine: o.MaxLine, MaxDepth: o.MaxDepth, MaxResponse: o.MaxResponse}
}

func (o Options) withDefaults() Options {
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.GreetingTimeout <= 0 {
		o.GreetingTimeout = DefaultGreeting
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	if o.UserTimeout == 0 {
		o.UserTimeout = DefaultUserTimeout
	}
	if o.IdleRestart <= 0 {
		o.IdleRestart = DefaultIdleRestart
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.IdleGrace == 0 {
		o.IdleGrace = DefaultIdleGrace
	}
	if o.QueueWarnSize <= 0 {
		o.QueueWarnSize = DefaultQueueWarnSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
