package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/oauth"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
)

// This file is where the real packages are plugged in: the IMAP client
// (imapclient), the IMAP store (store/imapstore) and the Maildir store
// (store/maildirstore).

// connectIMAP dials and logs in to acct's server, for raw and list.
func connectIMAP(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response)) (Session, error) {
	src, err := oauthSource(ctx, acct, logs)
	if err != nil {
		return nil, err
	}
	c, err := dialAccount(ctx, acct, logs, push, new(atomic.Int32), src)
	if err != nil {
		return nil, err
	}
	return clientSession{c}, nil
}

// openIMAPStore opens acct's server as a store; connections are dialed
// and logged in as the store needs them.
func openIMAPStore(ctx context.Context, acct *config.Account, logs Logs) (store.Store, error) {
	var n atomic.Int32
	src, err := oauthSource(ctx, acct, logs) // one for all connections: tokens are shared and refreshed once
	if err != nil {
		return nil, err
	}
	// The first connection is dialed here, to size the pool by what the
	// server is (Gmail allows more), and handed to the store as its first.
	first, err := dialAccount(ctx, acct, logs, nil, &n, src)
	if err != nil {
		var se *oauth.SignInError
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, fmt.Errorf("IMAP store: %w", err)
	}
	handed := make(chan *imapclient.Client, 1)
	handed <- first
	gmail := first.IsGmail() && acct.Gmail != config.GmailOff
	opts := imapstore.Options{
		Dial: func(ctx context.Context) (*imapclient.Client, error) {
			select {
			case c := <-handed:
				return c, nil
			default:
				return dialAccount(ctx, acct, logs, nil, &n, src)
			}
		},
		Connections: acct.ConnectionsFor(gmail),
		Logger:      logs.Logger.With("account", acct.Name),
		ListAtOpen:  true, // every command lists right after opening
	}
	if acct.Gmail == config.GmailOff {
		opts.DisableCaps = []imap.Cap{imap.CapGmailExt}
	}
	s, err := imapstore.New(ctx, opts)
	if err != nil {
		select {
		case c := <-handed:
			c.Close()
		default:
		}
		return nil, fmt.Errorf("IMAP store: %w", err)
	}
	return s, nil
}

// openMaildirStore opens acct's Maildir as a store (store/maildirstore).
func openMaildirStore(ctx context.Context, acct *config.Account, root string, db *statedb.DB, logs Logs, dryRun bool) (store.Store, error) {
	layout, err := maildir.ParseLayout(acct.Layout)
	if err != nil {
		return nil, fmt.Errorf("layout: %w", err)
	}
	s, err := maildirstore.New(maildirstore.Options{
		Root:         root,
		Layout:       layout,
		DB:           db,
		Keywords:     keywordMode(acct.Keywords),
		Labels:       acct.Labels == "x-keywords", // see nearAccount
		NewForUnseen: acct.NewDir,
		SyncFS:       true, // one syncfs per batch: batched durability
		Logger:       logs.Logger.With("account", acct.Name),
		DryRun:       dryRun,
	})
	if err != nil {
		return nil, fmt.Errorf("Maildir store: %w", err)
	}
	return s, nil
}

// keywordMode maps the keywords key ("dovecot", "x-keywords" or "none").
func keywordMode(k string) maildirstore.KeywordMode {
	switch k {
	case "none":
		return maildirstore.KeywordsNone
	case "x-keywords":
		return maildirstore.KeywordsHeader
	}
	return maildirstore.KeywordsDovecot
}

// dialAccount connects to acct's server and logs in. n numbers the
// account's connections in the protocol trace. src, when not nil, gives
// OAuth 2 access tokens (see login).
func dialAccount(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response), n *atomic.Int32, src *oauth.Source) (*imapclient.Client, error) {
	return dialAccountWith(ctx, acct, logs, push, n, src, nil)
}

// dialAccountWith is dialAccount with the client's options adjusted by
// tune (when not nil) before dialing.
func dialAccountWith(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response), n *atomic.Int32,
	src *oauth.Source, tune func(*imapclient.Options)) (*imapclient.Client, error) {
	opts, err := clientOptions(acct, logs, push, int(n.Add(1)))
	if err != nil {
		return nil, err
	}
	if tune != nil {
		tune(opts)
	}
	c, err := imapclient.Dial(ctx, acct.Addr(), opts)
	if err != nil && acct.Tunnel != "" {
		return nil, err // it names the tunnel, how it ended and what it said
	}
	if err != nil {
		return nil, explainConnect(acct, err)
	}
	if c.State() != imapclient.StateNotAuthenticated {
		return c, nil // PREAUTH
	}
	if acct.Tunnel != "" && acct.User == "" {
		c.Close()
		return nil, fmt.Errorf("tunnel %q: the server asks for a login (its greeting is not PREAUTH); set user and password_command", acct.Tunnel)
	}
	if err := login(ctx, c, acct, logs, src); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// clientOptions maps the account's connection settings.
func clientOptions(acct *config.Account, logs Logs, push func(*imap.Response), conn int) (*imapclient.Options, error) {
	o := &imapclient.Options{
		STARTTLS:          acct.TLS == config.TLSStartTLS,
		InsecurePlaintext: acct.TLS == config.TLSPlaintextInsecure,
		Logger:            logs.Logger.With("account", acct.Name),
		// The timeout key bounds every wait on the server: connecting,
		// the TLS handshake, and any command (or literal) during which
		// the server falls silent; a stalled connection fails its
		// mailbox alone (the store reconnects for the next).
		DialTimeout:  acct.Timeout,
		StallTimeout: acct.Timeout,
	}
	if acct.Tunnel != "" {
		o.STARTTLS, o.InsecurePlaintext = false, true
		o.Dialer = imapclient.TunnelDialer(acct.Tunnel)
	}
	tc, err := tlsConfig(acct)
	if err != nil {
		return nil, err
	}
	o.TLSConfig = tc
	if len(acct.Fingerprint) > 0 {
		o.PinSHA256 = hex.EncodeToString(acct.Fingerprint)
	}
	if logs.Trace != nil {
		o.TraceWriter = &prefixWriter{w: logs.Trace, prefix: fmt.Sprintf("%s#%d ", acct.Name, conn)}
	}
	if push != nil {
		o.Handler = func(ev imapclient.Event) {
			if ev.Resp != nil {
				push(ev.Resp)
			}
		}
	}
	return o, nil
}

// tlsConfig returns the TLS settings of acct: the certificate name to
// check, and ca_file's certificates trusted in addition to the system's.
func tlsConfig(acct *config.Account) (*tls.Config, error) {
	tc := &tls.Config{ServerName: acct.TLSServerName, MinVersion: tls.VersionTLS12}
	if acct.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(acct.CAFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificate", acct.CAFile)
	}
	tc.RootCAs = pool
	return tc, nil
}

// credentials says how to log in: tokens from src or a token command for
// the OAuth mechanisms, else the password command or the password. A
// command's output is registered with logs.Secret before it is sent, so
// that the output redacts it.
func credentials(acct *config.Account, logs Logs, src *oauth.Source) imapclient.Credentials {
	cr := imapclient.Credentials{Username: acct.User, Mechanism: strings.ToUpper(acct.Auth),
		Host: acct.Host, Port: acct.Port}
	switch {
	case src != nil:
		cr.Secret = imapclient.SecretFunc(src.Token)
		cr.Refresh = src.Invalidate
	case (cr.Mechanism == "XOAUTH2" || cr.Mechanism == "OAUTHBEARER") && acct.TokenCommand != "":
		cr.Secret = registered(acct, logs, acct.TokenCommand)
	case acct.PasswordCommand != "":
		cr.Secret = registered(acct, logs, acct.PasswordCommand)
	default:
		pw := acct.Password
		cr.Secret = imapclient.SecretFunc(func(context.Context) (string, error) { return pw.Reveal(), nil })
	}
	return cr
}

// registered is the secret printed by command, registered with
// logs.Secret each time it is read.
func registered(acct *config.Account, logs Logs, command string) imapclient.Secret {
	cmd := imapclient.SecretCommand(command)
	return imapclient.SecretFunc(func(ctx context.Context) (string, error) {
		b, err := cmd.Get(ctx)
		if err != nil {
			return "", err
		}
		s := string(b)
		clear(b)
		if logs.Secret != nil {
			logs.Secret(acct, s)
		}
		return s, nil
	})
}

// clientSession is a Session over an imapclient connection.
type clientSession struct{ c *imapclient.Client }

// Command implements Session.
func (s clientSession) Command(ctx context.Context, args ...imap.Value) ([]*imap.Response, *imap.Response, error) {
	r, err := s.c.Command(ctx, args...)
	if r == nil {
		return nil, nil, err
	}
	return r.Untagged, r.Tagged, err
}

// Caps implements Session.
func (s clientSession) Caps() imap.CapSet { return s.c.Caps() }

// Idle implements Session.
func (s clientSession) Idle(ctx context.Context) error { return s.c.Idle(ctx) }

// Close logs out politely, waiting a little, then closes.
func (s clientSession) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.c.Logout(ctx)
	return s.c.Close()
}

// prefixWriter prefixes each write (a whole trace line) with prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

// Write writes the prefix and b in one write.
func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Session is the part of one logged-in IMAP connection that the raw and
// list commands use.
type Session interface {
	// Command sends the command made of args and returns the untagged
	// responses it produced and its tagged completion; a tagged NO or BAD
	// is returned with an error wrapping *imap.Error.
	Command(ctx context.Context, args ...imap.Value) (untagged []*imap.Response, tagged *imap.Response, err error)
	// Caps returns the server's capabilities.
	Caps() imap.CapSet
	// Idle keeps the connection in IDLE (RFC 2177), so that the server
	// pushes changes, until ctx ends; a Command meanwhile ends the IDLE,
	// runs, and the IDLE resumes.
	Idle(ctx context.Context) error
	// Close ends the connection.
	Close() error
}

// Backends opens what a run talks to. Each field is one plug point; a nil
// field means the real implementation (see wiring.go). Tests put in-memory
// stores here.
type Backends struct {
	// Connect dials and logs in one connection to acct's server.
	// push, when not nil, receives unilateral server data (RFC 9051 §7).
	Connect func(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response)) (Session, error)
	// Far opens the far store (the IMAP server) of acct.
	Far func(ctx context.Context, acct *config.Account, logs Logs) (store.Store, error)
	// Near opens the near store of acct: the Maildir at root, its UIDs kept
	// in db; dryRun opens it for a dry run, leaving the Maildir tree
	// untouched (maildirstore.Options.DryRun).
	Near func(ctx context.Context, acct *config.Account, root string, db *statedb.DB, logs Logs, dryRun bool) (store.Store, error)
}

func (b Backends) withDefaults() Backends {
	if b.Connect == nil {
		b.Connect = connectIMAP
	}
	if b.Far == nil {
		b.Far = openIMAPStore
	}
	if b.Near == nil {
		b.Near = openMaildirStore
	}
	return b
}
