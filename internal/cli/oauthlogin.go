package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/oauth"
)

// oauthSource returns the token source of an account with an [oauth2]
// table, nil for the others. Every token it obtains is registered with
// logs.Secret so that no output can show it.
func oauthSource(ctx context.Context, acct *config.Account, logs Logs) (*oauth.Source, error) {
	if acct.OAuth2 == nil {
		return nil, nil
	}
	conf, err := oauth.Config(ctx, acct.OAuth2)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", acct.Name, err)
	}
	reveal := func(secret string) {
		if logs.Secret != nil {
			logs.Secret(acct, secret)
		}
	}
	reveal(conf.ClientSecret)
	store, err := oauth.NewStore(acct)
	if err != nil {
		return nil, err
	}
	return &oauth.Source{Account: acct.Name, Conf: conf, Store: store, Reveal: reveal}, nil
}

// login authenticates c. With an OAuth 2 source, a token the server
// refuses (AUTHENTICATIONFAILED: it expired early or was revoked) is
// dropped and the login tried once more with a fresh one (see
// credentials); a sign-in that is no longer valid is reported as the one
// line that says to run "imapdir auth ACCOUNT".
func login(ctx context.Context, c *imapclient.Client, acct *config.Account, logs Logs, src *oauth.Source) error {
	err := c.Auth(ctx, credentials(acct, logs, src))
	var se *oauth.SignInError
	if errors.As(err, &se) {
		return se
	}
	var ce *imapclient.SecretCommandError
	if errors.As(err, &ce) {
		key := "password_command"
		if ce.Command == acct.TokenCommand && acct.TokenCommand != "" {
			key = "token_command"
		}
		return fmt.Errorf("%s failed %s", key, ce.Reason())
	}
	if err != nil {
		return fmt.Errorf("logging in to %s as %s: %w", acct.Host, acct.User, err)
	}
	sendID(ctx, c)
	return nil
}

// sendID tells Gmail who the client is (RFC 2971 ID); its answer and a
// refusal change nothing. Other servers are not asked, so their traces
// stay as they were.
func sendID(ctx context.Context, c *imapclient.Client) {
	if c.IsGmail() && c.Caps().Has(imap.CapID) {
		_, _ = c.ID(ctx, map[string]string{"name": "imapdir", "vendor": "imapdir", "support-url": "https://github.com/imapdir/imapdir"})
	}
}
