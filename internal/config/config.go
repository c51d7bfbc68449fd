package config

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/BurntSushi/toml"
)

// TLSMode says how the connection to the server is protected.
type TLSMode string

// The TLS modes. TLS is the default; plaintext has to be asked for by a
// name that says what it is.
const (
	TLSImplicit          TLSMode = "implicit"           // TLS from the first byte (port 993)
	TLSStartTLS          TLSMode = "starttls"           // STARTTLS required, never skipped (port 143)
	TLSPlaintextInsecure TLSMode = "plaintext-insecure" // no TLS at all
)

// Sides names one, both or neither of the two stores of an account: "far"
// (the IMAP server) and "near" (the Maildir).
type Sides string

// The values of Sides.
const (
	SidesBoth Sides = "both"
	SidesFar  Sides = "far"
	SidesNear Sides = "near"
	SidesNone Sides = "none"
)

// Far reports whether s includes the far side.
func (s Sides) Far() bool { return s == SidesBoth || s == SidesFar }

// Near reports whether s includes the near side.
func (s Sides) Near() bool { return s == SidesBoth || s == SidesNear }

// Changes says which kinds of change propagate in one direction.
type Changes struct {
	New    bool // new messages are copied
	Flags  bool // flag changes are applied
	Delete bool // removals are propagated (as \Deleted)
}

// SyncOps is the effective value of the "sync" key: what propagates
// far→near (Pull) and near→far (Push).
type SyncOps struct {
	Pull Changes
	Push Changes
}

// GmailMode says whether Gmail's IMAP extensions (labels, X-GM-MSGID) are used.
type GmailMode string

// The Gmail modes; the default is GmailAuto (use them when the server
// advertises X-GM-EXT-1).
const (
	GmailAuto GmailMode = "auto"
	GmailOn   GmailMode = "on"
	GmailOff  GmailMode = "off"
)

// Account is one validated account with every default filled in.
// Paths are absolute after ~ and $VAR expansion.
type Account struct {
	Name string // the table name in [accounts.NAME]
	Line int    // line of the account's first key in the file (for messages)

	Host string
	Port int
	// Tunnel, when set, is a shell command whose stdin and stdout are the
	// connection (mbsync's Tunnel): no TLS, no host or port; the server
	// usually greets already logged in (PREAUTH).
	Tunnel        string
	TLS           TLSMode
	TLSServerName string // name checked in the certificate; defaults to Host
	CAFile        string // optional PEM bundle added to the system roots
	Fingerprint   []byte // optional SHA-256 pin of the leaf certificate (32 bytes)

	User            string
	Password        Secret  // from "password"; zero when unset
	PasswordCommand string  // run by the client through "sh -c"; stdout's first line is the password
	Auth            string  // "" (best offered), login, plain, xoauth2, oauthbearer
	TokenCommand    string  // prints an OAuth2 access token (xoauth2, oauthbearer)
	OAuth2          *OAuth2 // [accounts.NAME.oauth2]: imapdir obtains tokens itself; nil when absent

	Maildir  string
	Layout   string   // fs | maildir++ | dots | fs-mutf7 | maildir++-mutf7 | dots-mutf7 | legacy-mutf7
	Folders  []string // patterns, see Match; default ["*"]
	Keywords string   // x-keywords | dovecot | none
	NewDir   bool     // deliver unseen messages into new/

	Sync    SyncOps
	Expunge Sides // where \Deleted messages are removed for good
	Create  Sides // where missing mailboxes are created
	Remove  Sides // where a mailbox deleted on the other side is removed

	MaxSize            int64         // bytes; 0 = no limit
	MaxAge             time.Duration // 0 = no limit
	StartDate          time.Time     // zero = no limit; exclusive with MaxAge
	DeleteGuardPercent int
	DeleteGuardCount   int
	DeleteGuardAccount int // deletions per run across the account; 0 = no cap
	Connections        int
	ConnectionsSet     bool // connections was written (else Gmail accounts get GmailConnections)
	Gmail              GmailMode
	// Timeout bounds every wait on the server: a command (or the rest of
	// a literal) during which no byte moves either way for this long fails
	// that mailbox, as mbsync's Timeout does. Default DefaultTimeout.
	Timeout time.Duration

	// watch: zero durations mean the watch's defaults (see internal/watch).
	Watch            []string      // mailboxes idled on when the server lacks NOTIFY (INBOX always)
	FullSyncInterval time.Duration // full sync every …
	Debounce         time.Duration // quiet time before a mailbox's sync
	IdleRestart      time.Duration // IDLE re-issued after …; 0: by server (Gmail, Outlook shorter)
	PollInterval     time.Duration // STATUS check without NOTIFY, liveness check
	PostSyncCommand  string        // run (sh -c) after a sync that changed the Maildir
	NewMailCommand   string        // run (sh -c) when new mail arrived
	HookTimeout      time.Duration // bound on one hook run

	// Mailboxes holds the settings of the mailboxes that have an
	// [accounts.NAME.mailbox."BOX"] table, by neutral name; see
	// ForMailbox.
	Mailboxes map[string]MailboxSettings

	mailboxTables map[string]any // the "mailbox" table until the account is finished
	mailboxKey    toml.Key
}

// DefaultTimeout is the default of Account.Timeout (mbsync's default too).
const DefaultTimeout = 60 * time.Second

// GmailConnections is the connections default of an account whose server
// turns out to be Gmail (X-GM-EXT-1): Gmail allows 15 per account, so 8
// leaves room for a mail reader and a phone.
const GmailConnections = 8

// ConnectionsFor returns the connections to use: the configured number,
// or GmailConnections on Gmail when none was written.
func (a *Account) ConnectionsFor(gmail bool) int {
	if gmail && !a.ConnectionsSet {
		return GmailConnections
	}
	return a.Connections
}

// Config is a whole configuration file.
type Config struct {
	Path     string    // the file it was read from
	Accounts []Account // in file order
	// Warnings are problems that do not stop a run (e.g. a password in a
	// file readable by others); the caller decides how to show them.
	Warnings []string
}

// Account returns the account called name.
func (c *Config) Account(name string) (*Account, bool) {
	for i := range c.Accounts {
		if c.Accounts[i].Name == name {
			return &c.Accounts[i], true
		}
	}
	return nil, false
}

// Addr returns "host:port" for dialing.
func (a *Account) Addr() string {
	return fmt.Sprintf("%s:%d", a.Host, a.Port)
}

// redacted is what every formatting of a non-empty Secret prints.
const redacted = "[redacted]"

// Secret holds a password. Its value comes out only through Reveal: every
// fmt verb, String, GoString, slog and JSON/text marshalling print
// "[redacted]" (or "" when empty), so a Secret inside a logged or printed
// struct never leaks.
type Secret struct {
	v string
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret itself; call it only where the password is sent.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s.v == "" }

func (s Secret) mask() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// String returns "[redacted]", or "" when empty.
func (s Secret) String() string { return s.mask() }

// GoString returns a redacted Go form (for %#v).
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.mask()) }

// Format implements fmt.Formatter so that every verb (%x, %q, %v …) is redacted.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.mask())
		return
	}
	fmt.Fprint(f, s.mask())
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.mask()) }

// MarshalText implements encoding.TextMarshaler (used by JSON and TOML encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }
