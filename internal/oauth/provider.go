package oauth

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/imapdir/imapdir/internal/config"
)

// provider holds the endpoints and default scopes of a known provider.
type provider struct {
	auth, token, device string
	scopes              []string
}

// providers: Google's and Microsoft's published OAuth 2 endpoints and
// the scopes their IMAP servers ask for.
var providers = map[string]provider{
	"google": {
		auth:   "https://accounts.google.com/o/oauth2/auth",
		token:  "https://oauth2.googleapis.com/token",
		device: "https://oauth2.googleapis.com/device/code",
		scopes: []string{"https://mail.google.com/"},
	},
	"microsoft": {
		auth:   "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
		token:  "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		device: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
		scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
	},
}

// Config turns an account's oauth2 table into an oauth2.Config; the
// client secret command, if any, is run now.
func Config(ctx context.Context, o *config.OAuth2) (*oauth2.Config, error) {
	if o == nil {
		return nil, errors.New("oauth: the account has no [oauth2] table")
	}
	p := providers[o.Provider]
	ep := oauth2.Endpoint{AuthURL: or(o.AuthURL, p.auth), TokenURL: or(o.TokenURL, p.token),
		DeviceAuthURL: or(o.DeviceURL, p.device)}
	secret := o.ClientSecret.Reveal()
	if o.ClientSecretCommand != "" {
		b, err := runCommand(ctx, o.ClientSecretCommand, nil)
		if err != nil {
			return nil, fmt.Errorf("oauth: client_secret_command: %w", err)
		}
		secret = string(b)
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = p.scopes
	}
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: secret, Endpoint: ep, Scopes: scopes}, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
