package config

import "github.com/BurntSushi/toml"

// defaultAccount holds every default that does not depend on other keys.
func defaultAccount() Account {
	all := Changes{New: true, Flags: true, Delete: true}
	return Account{
		TLS:                TLSImplicit,
		Layout:             "fs",
		Folders:            []string{"*"},
		Keywords:           "x-keywords",
		NewDir:             true,
		Sync:               SyncOps{Pull: all, Push: all},
		Expunge:            SidesBoth,
		Create:             SidesBoth,
		Remove:             SidesNone,
		DeleteGuardPercent: 25,
		DeleteGuardCount:   50,
		Connections:        4,
		Gmail:              GmailAuto,
	}
}

// finish checks required keys and combinations, and fills the defaults
// that depend on other keys (port from tls, TLS server name from host).
func (p *parser) finish(key toml.Key, a *Account, t map[string]any) {
	for _, req := range []string{"host", "user", "maildir"} {
		if !p.present(t, req) {
			p.fail(key, "missing required key %q", req)
		}
	}
	p.checkCredentials(key, a)
	if a.MaxAge != 0 && !a.StartDate.IsZero() {
		p.fail(key, "set only one of max_age and start_date")
	}
	if a.TLS == TLSPlaintextInsecure && (a.CAFile != "" || a.Fingerprint != nil) {
		p.fail(key, "ca_file and fingerprint need TLS, but tls is plaintext-insecure")
	}
	if a.Port == 0 {
		a.Port = 143
		if a.TLS == TLSImplicit {
			a.Port = 993
		}
	}
	if a.TLSServerName == "" {
		a.TLSServerName = a.Host
	}
}

func (p *parser) checkCredentials(key toml.Key, a *Account) {
	oauth := a.Auth == "xoauth2" || a.Auth == "oauthbearer"
	hasPass := !a.Password.IsZero() || a.PasswordCommand != ""
	switch {
	case !a.Password.IsZero() && a.PasswordCommand != "":
		p.fail(key, "set only one of password and password_command")
	case oauth && a.TokenCommand == "":
		p.fail(key, "auth %s needs token_command", a.Auth)
	case !oauth && !hasPass:
		p.fail(key, "missing password_command (or password)")
	}
}
