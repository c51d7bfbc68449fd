package config

import (
	"strings"
	"testing"
)

const oauthAccount = `[accounts.gmail]
host = "imap.gmail.com"
user = "me@gmail.com"
maildir = "~/Maildir/gmail"

[accounts.gmail.oauth2]
`

func TestOAuth2Table(t *testing.T) {
	cfg, err := Parse("config.toml", []byte(oauthAccount+`provider = "google"
client_id = "id.apps.googleusercontent.com"
client_secret = "not-for-printing"
scopes = ["https://mail.google.com/"]
`), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	o := a.OAuth2
	if o == nil || o.Provider != "google" || o.ClientID != "id.apps.googleusercontent.com" || o.ClientSecret.Reveal() != "not-for-printing" ||
		len(o.Scopes) != 1 || a.Auth != "xoauth2" || o.TokenFile != "/home/u/.local/state/imapdir/oauth2-gmail.json" {
		t.Fatalf("account %+v oauth2 %+v", a, o)
	}
	env := testEnv()
	env.Lookup = func(k string) (string, bool) {
		if k == "XDG_STATE_HOME" {
			return "/state", true
		}
		return "", false
	}
	cfg, err = Parse("config.toml", []byte(oauthAccount+"provider = \"microsoft\"\nclient_id = \"x\"\n"), env)
	if err != nil || cfg.Accounts[0].OAuth2.TokenFile != "/state/imapdir/oauth2-gmail.json" {
		t.Fatalf("XDG_STATE_HOME: %v %+v", err, cfg)
	}
}

func TestOAuth2Bad(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"no client id", oauthAccount + `provider = "google"`, "accounts.gmail.oauth2: missing client_id"},
		{"custom without urls", oauthAccount + `client_id = "x"`, "a custom provider needs auth_url and token_url"},
		{"two secrets", oauthAccount + "provider = \"google\"\nclient_id = \"x\"\nclient_secret = \"a\"\nclient_secret_command = \"b\"",
			"set only one of client_secret and client_secret_command"},
		{"one of the commands", oauthAccount + "provider = \"google\"\nclient_id = \"x\"\nrefresh_token_command = \"a\"",
			"refresh_token_command and store_refresh_token_command go together"},
		{"typo", oauthAccount + "provider = \"google\"\nclient_id = \"x\"\nclientid = \"y\"", "accounts.gmail.oauth2.clientid: unknown key (did you mean client_id?)"},
		{"provider", oauthAccount + "provider = \"yahoo\"\nclient_id = \"x\"", `"yahoo" is not one of google, microsoft, custom`},
		{"with token_command", strings.Replace(oauthAccount, "maildir", "token_command = \"t\"\nmaildir", 1) + "provider = \"google\"\nclient_id = \"x\"",
			"set only one of token_command and an [oauth2] table"},
		{"with login", strings.Replace(oauthAccount, "maildir", "auth = \"plain\"\nmaildir", 1) + "provider = \"google\"\nclient_id = \"x\"",
			`an [oauth2] table needs auth = "xoauth2" or "oauthbearer"`},
	}
	for _, c := range cases {
		_, err := Parse("config.toml", []byte(c.text), testEnv())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want …%s…", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "not-for-printing") {
			t.Errorf("%s: secret in error", c.name)
		}
	}
}

// TestClientSecretSyntaxErrorWithheld: a syntax error on the client_secret
// line does not quote the line.
func TestClientSecretSyntaxErrorWithheld(t *testing.T) {
	_, err := Parse("config.toml", []byte(oauthAccount+"client_secret = \"GOCSPX-abc\" junk\n"), testEnv())
	if err == nil || strings.Contains(err.Error(), "GOCSPX") {
		t.Errorf("err = %v", err)
	}
}
