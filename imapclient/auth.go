package imapclient

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/imapdir/imapdir/imap"
)

// Login logs in with the LOGIN command (RFC 9051 §6.2.3). It fails with
// ErrLoginDisabled, sending nothing, when the server advertises
// LOGINDISABLED. A wrong password gives an error wrapping *imap.Error,
// usually with the AUTHENTICATIONFAILED code. The capabilities are read
// again afterwards.
func (c *Client) Login(ctx context.Context, username string, password Secret) error {
	if c.Caps().Has(imap.CapLoginDisable) {
		return fmt.Errorf("imapclient: LOGIN: %w", ErrLoginDisabled)
	}
	pw, err := password.Get(ctx)
	if err != nil {
		return err
	}
	defer wipe(pw)
	done := c.scrub.during(pw)
	res, err := c.Command(ctx, imap.Atom("LOGIN"), imap.AStr(username), imap.AStr(pw))
	done()
	if err != nil {
		return err
	}
	return c.authenticated(ctx, res.Tagged)
}

// Authenticate runs AUTHENTICATE with mech (RFC 9051 §6.2.2), sending the
// initial response inline when the server offers SASL-IR (RFC 4959). It
// fails with ErrLoginDisabled, sending nothing, when AUTH=mechanism is not
// advertised. No other command is sent while the exchange runs.
func (c *Client) Authenticate(ctx context.Context, mech SASL) error {
	caps := c.Caps()
	name := strings.ToUpper(mech.Mechanism())
	if !caps.HasAuth(name) {
		return fmt.Errorf("imapclient: AUTHENTICATE %s: %w", name, ErrLoginDisabled)
	}
	ir, err := mech.Start(ctx)
	if err != nil {
		return err
	}
	defer wipe(ir)
	args := []imap.Value{imap.Atom("AUTHENTICATE"), imap.Atom(name)}
	pending := ir
	if ir != nil && caps.Has(imap.CapSASLIR) {
		args = append(args, imap.Atom(encodeSASL(ir)))
		pending = nil
	}
	cmd := newCmd(c, args)
	cmd.sasl = saslResponder(mech, pending)
	secret := saslSecret(name, ir)
	done := c.scrub.during(secret)
	defer done()
	if err := c.start(ctx, cmd); err != nil {
		return err
	}
	res, err := cmd.Wait(ctx)
	if err != nil {
		return err
	}
	return c.authenticated(ctx, res.Tagged)
}

// Credentials name an account and how to authenticate to it.
type Credentials struct {
	Username string
	Secret   Secret
	// Mechanism: "" chooses PLAIN when advertised, else LOGIN; or one of
	// "LOGIN", "PLAIN", "XOAUTH2", "OAUTHBEARER".
	Mechanism string
	// Host and Port are sent by OAUTHBEARER (RFC 7628 §3.1), optional.
	Host string
	Port int
	// Refresh, when set, is called when the server refuses the secret
	// with AUTHENTICATIONFAILED, and the login is tried once more: an
	// OAuth 2 access token can expire or be revoked before the time its
	// issuer announced, and the token source drops it here.
	Refresh func()
}

// Auth authenticates with cr, choosing the command from cr.Mechanism;
// see Credentials.Refresh for the one retry.
func (c *Client) Auth(ctx context.Context, cr Credentials) error {
	err := c.auth(ctx, cr)
	if err != nil && cr.Refresh != nil && imap.HasCode(err, imap.CodeAuthenticationFailed) {
		cr.Refresh()
		err = c.auth(ctx, cr)
	}
	return err
}

func (c *Client) auth(ctx context.Context, cr Credentials) error {
	switch strings.ToUpper(cr.Mechanism) {
	case "":
		if c.Caps().HasAuth("PLAIN") {
			return c.Authenticate(ctx, &PlainAuth{Username: cr.Username, Password: cr.Secret})
		}
		return c.Login(ctx, cr.Username, cr.Secret)
	case "LOGIN":
		return c.Login(ctx, cr.Username, cr.Secret)
	case "PLAIN":
		return c.Authenticate(ctx, &PlainAuth{Username: cr.Username, Password: cr.Secret})
	case "XOAUTH2":
		return c.Authenticate(ctx, &XOAuth2{Username: cr.Username, Token: cr.Secret})
	case "OAUTHBEARER":
		return c.Authenticate(ctx, &OAuthBearer{Username: cr.Username, Token: cr.Secret, Host: cr.Host, Port: cr.Port})
	}
	return fmt.Errorf("imapclient: unknown authentication mechanism %q", cr.Mechanism)
}

// authenticated moves to the authenticated state and re-reads the
// capabilities unless the tagged OK carried them (RFC 9051 §6.2.2).
func (c *Client) authenticated(ctx context.Context, tagged *imap.Response) error {
	c.mu.Lock()
	c.state = StateAuthenticated
	c.mu.Unlock()
	if tagged != nil && tagged.Code == imap.CodeCapability {
		return nil
	}
	_, err := c.Capability(ctx)
	return err
}

func encodeSASL(b []byte) string {
	if len(b) == 0 {
		return "=" // RFC 4959 §3: empty initial response
	}
	return base64.StdEncoding.EncodeToString(b)
}

// saslResponder answers continuation requests: first with the pending
// initial response (no SASL-IR), then with mech.Next. A challenge that is
// not base64 or a mechanism error cancels the exchange with "*".
func saslResponder(mech SASL, pending []byte) func(string) (string, error) {
	first := pending != nil
	return func(text string) (string, error) {
		if first {
			first = false
			return encodeSASL(pending), nil
		}
		ch, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
		if err != nil {
			return "*", nil
		}
		resp, err := mech.Next(ch)
		if err != nil {
			return "*", nil
		}
		if len(resp) == 0 {
			return "", nil
		}
		return base64.StdEncoding.EncodeToString(resp), nil
	}
}

// saslExchange runs the continuation dance of AUTHENTICATE until the
// tagged response; the caller holds the write lock.
func (c *Client) saslExchange(cmd *Cmd) error {
	for {
		select {
		case <-cmd.done:
			return nil
		case resp := <-cmd.cont:
			line, err := cmd.sasl(resp.Text)
			if err != nil {
				return err
			}
			c.trace.redactFrom(c.bw.Buffered(), 0)
			err = c.enc.WriteLine(line)
			c.trace.endRedact("<SASL response redacted>")
			if err != nil {
				return err
			}
		}
	}
}
