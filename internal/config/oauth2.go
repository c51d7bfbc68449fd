package config

import (
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// OAuth2 is an account's [accounts.NAME.oauth2] table: how imapdir itself
// obtains OAuth 2 access tokens (see the "auth" command), instead of a
// token_command.
type OAuth2 struct {
	// Provider is "google", "microsoft" or "" (custom: AuthURL and
	// TokenURL required).
	Provider  string
	AuthURL   string // authorization endpoint (overrides the provider's)
	TokenURL  string // token endpoint (overrides the provider's)
	DeviceURL string // device authorization endpoint (RFC 8628), optional
	ClientID  string
	// ClientSecret or ClientSecretCommand (never both; neither for a
	// public client).
	ClientSecret        Secret
	ClientSecretCommand string
	Scopes              []string // default: the provider's IMAP scope
	// RefreshTokenCommand, when set, prints the refresh token, and
	// StoreRefreshTokenCommand receives a new one on standard input
	// (e.g. a password manager); otherwise the token is kept in a file
	// under $XDG_STATE_HOME/imapdir/.
	RefreshTokenCommand      string
	StoreRefreshTokenCommand string
	// TokenFile is where the refresh token is kept without those commands:
	// $XDG_STATE_HOME/imapdir/oauth2-NAME.json (~/.local/state when
	// XDG_STATE_HOME is unset); "" when neither is known.
	TokenFile string
}

// oauth2Fields are the keys of the oauth2 table.
var oauth2Fields = map[string]func(p *parser, k toml.Key, v any, o *OAuth2){
	"provider": func(p *parser, k toml.Key, v any, o *OAuth2) {
		set(&o.Provider)(p.oneOf(k, v, "google", "microsoft", "custom"))
	},
	"auth_url":              func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.AuthURL)(p.nonEmpty(k, v)) },
	"token_url":             func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.TokenURL)(p.nonEmpty(k, v)) },
	"device_url":            func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.DeviceURL)(p.nonEmpty(k, v)) },
	"client_id":             func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.ClientID)(p.nonEmpty(k, v)) },
	"client_secret_command": func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.ClientSecretCommand)(p.nonEmpty(k, v)) },
	"client_secret": func(p *parser, k toml.Key, v any, o *OAuth2) {
		if s, ok := p.str(k, v); ok {
			o.ClientSecret = NewSecret(s)
		}
	},
	"scopes":                      func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.Scopes)(p.strList(k, v)) },
	"refresh_token_command":       func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.RefreshTokenCommand)(p.nonEmpty(k, v)) },
	"store_refresh_token_command": func(p *parser, k toml.Key, v any, o *OAuth2) { set(&o.StoreRefreshTokenCommand)(p.nonEmpty(k, v)) },
}

// setOAuth2 reads the oauth2 table of an account.
func setOAuth2(p *parser, k toml.Key, v any, a *Account) {
	t, ok := p.table(k, v)
	if !ok {
		return
	}
	o := &OAuth2{}
	for _, name := range sortedKeys(t) {
		key := append(append(toml.Key{}, k...), name)
		f, ok := oauth2Fields[name]
		if !ok {
			known := make([]string, 0, len(oauth2Fields))
			for n := range oauth2Fields {
				known = append(known, n)
			}
			p.unknown(key, known)
			continue
		}
		f(p, key, t[name], o)
	}
	checkOAuth2(p, k, o)
	if dir, ok := stateDir(p.env); ok {
		o.TokenFile = filepath.Join(dir, "oauth2-"+a.Name+".json")
	}
	a.OAuth2 = o
}

// stateDir is $XDG_STATE_HOME/imapdir, or ~/.local/state/imapdir (the XDG
// base directory specification's default).
func stateDir(env Env) (string, bool) {
	if d, ok := lookup(env, "XDG_STATE_HOME"); ok && filepath.IsAbs(d) {
		return filepath.Join(d, "imapdir"), true
	}
	if env.Home == "" {
		return "", false
	}
	return filepath.Join(env.Home, ".local", "state", "imapdir"), true
}

func checkOAuth2(p *parser, k toml.Key, o *OAuth2) {
	if o.Provider == "custom" {
		o.Provider = ""
	}
	switch {
	case o.ClientID == "":
		p.fail(k, "missing client_id")
	case !o.ClientSecret.IsZero() && o.ClientSecretCommand != "":
		p.fail(k, "set only one of client_secret and client_secret_command")
	case o.Provider == "" && (o.AuthURL == "" || o.TokenURL == ""):
		p.fail(k, `a custom provider needs auth_url and token_url (or provider = "google" | "microsoft")`)
	case (o.RefreshTokenCommand == "") != (o.StoreRefreshTokenCommand == ""):
		p.fail(k, "refresh_token_command and store_refresh_token_command go together")
	}
}
