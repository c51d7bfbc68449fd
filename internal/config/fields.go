package config

import (
	"sort"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
)

// setter applies one key's value to an account, reporting problems to p.
type setter func(p *parser, key toml.Key, v any, a *Account)

// fields is the table of account keys; read-only after package init.
var fields = map[string]setter{
	"host": func(p *parser, k toml.Key, v any, a *Account) { set(&a.Host)(p.nonEmpty(k, v)) },
	"port": func(p *parser, k toml.Key, v any, a *Account) { set(&a.Port)(p.intRange(k, v, 1, 65535)) },
	"tls": func(p *parser, k toml.Key, v any, a *Account) {
		if s, ok := p.oneOf(k, v, string(TLSImplicit), string(TLSStartTLS), string(TLSPlaintextInsecure)); ok {
			a.TLS = TLSMode(s)
		}
	},
	"tunnel":          func(p *parser, k toml.Key, v any, a *Account) { set(&a.Tunnel)(p.nonEmpty(k, v)) },
	"tls_server_name": func(p *parser, k toml.Key, v any, a *Account) { set(&a.TLSServerName)(p.nonEmpty(k, v)) },
	"ca_file":         func(p *parser, k toml.Key, v any, a *Account) { set(&a.CAFile)(p.path(k, v)) },
	"fingerprint": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.Fingerprint)(parsed(p, k, v, parseFingerprint))
	},
	"user": func(p *parser, k toml.Key, v any, a *Account) { set(&a.User)(p.nonEmpty(k, v)) },
	"password": func(p *parser, k toml.Key, v any, a *Account) {
		if s, ok := p.str(k, v); ok {
			a.Password = NewSecret(s)
		}
	},
	"password_command": func(p *parser, k toml.Key, v any, a *Account) { set(&a.PasswordCommand)(p.nonEmpty(k, v)) },
	"token_command":    func(p *parser, k toml.Key, v any, a *Account) { set(&a.TokenCommand)(p.nonEmpty(k, v)) },
	"auth": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.Auth)(p.oneOf(k, v, "login", "plain", "xoauth2", "oauthbearer"))
	},
	"maildir": func(p *parser, k toml.Key, v any, a *Account) { set(&a.Maildir)(p.path(k, v)) },
	"layout": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.Layout)(p.oneOf(k, v, "fs", "maildir++", "dots", "fs-mutf7", "maildir++-mutf7", "dots-mutf7", "legacy-mutf7"))
	},
	"folders": setFolders,
	"keywords": func(p *parser, k toml.Key, v any, a *Account) {
		if s, ok := v.(string); ok && s == "x-keywords" {
			// Refused rather than quietly kept another way: a user who asks
			// for X-Keywords headers must not find keywords elsewhere.
			p.fail(k, `"x-keywords" is not supported yet (it comes with Gmail label support); use "dovecot" or "none"`)
			return
		}
		set(&a.Keywords)(p.oneOf(k, v, "dovecot", "none"))
	},
	"new_dir":  func(p *parser, k toml.Key, v any, a *Account) { set(&a.NewDir)(p.boolean(k, v)) },
	"sync":     setSync,
	"expunge":  func(p *parser, k toml.Key, v any, a *Account) { p.sides(k, v, &a.Expunge) },
	"create":   func(p *parser, k toml.Key, v any, a *Account) { p.sides(k, v, &a.Create) },
	"remove":   func(p *parser, k toml.Key, v any, a *Account) { p.sides(k, v, &a.Remove) },
	"max_size": setMaxSize,
	"max_age": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.MaxAge)(parsed(p, k, v, parseAge))
	},
	"start_date": setStartDate,
	"delete_guard_percent": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.DeleteGuardPercent)(p.intRange(k, v, 0, 100))
	},
	"delete_guard_count": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.DeleteGuardCount)(p.intRange(k, v, 0, 1<<30))
	},
	"delete_guard_account": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.DeleteGuardAccount)(p.intRange(k, v, 0, 1<<30))
	},
	"connections": func(p *parser, k toml.Key, v any, a *Account) {
		n, ok := p.intRange(k, v, 1, 16)
		set(&a.Connections)(n, ok)
		a.ConnectionsSet = a.ConnectionsSet || ok
	},
	"mailbox": setMailboxes,
	"gmail":   setGmail,
	"oauth2":  setOAuth2,
	"timeout": setTimeout,

	"watch": func(p *parser, k toml.Key, v any, a *Account) { set(&a.Watch)(p.strList(k, v)) },
	"full_sync_interval": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.FullSyncInterval)(p.duration(k, v, time.Minute, 24*time.Hour))
	},
	"debounce": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.Debounce)(p.duration(k, v, time.Millisecond, time.Minute))
	},
	"idle_restart": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.IdleRestart)(p.duration(k, v, time.Minute, 29*time.Minute))
	},
	"poll_interval": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.PollInterval)(p.duration(k, v, 10*time.Second, time.Hour))
	},
	"post_sync_command": func(p *parser, k toml.Key, v any, a *Account) { set(&a.PostSyncCommand)(p.nonEmpty(k, v)) },
	"new_mail_command":  func(p *parser, k toml.Key, v any, a *Account) { set(&a.NewMailCommand)(p.nonEmpty(k, v)) },
	"hook_timeout": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.HookTimeout)(p.duration(k, v, time.Second, time.Hour))
	},
}

// fieldNames lists the known keys, sorted, for "did you mean".
func fieldNames() []string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// set returns a function that stores v in dst when ok.
func set[T any](dst *T) func(v T, ok bool) {
	return func(v T, ok bool) {
		if ok {
			*dst = v
		}
	}
}

func setFolders(p *parser, k toml.Key, v any, a *Account) {
	list, ok := p.strList(k, v)
	if !ok {
		return
	}
	for _, pat := range list {
		if err := checkPattern(pat); err != nil {
			p.fail(k, "%v", err)
			return
		}
	}
	a.Folders = list
}

func setSync(p *parser, k toml.Key, v any, a *Account) {
	if s, ok := v.(string); ok { // sync = "pull" is read as ["pull"]
		v = []any{s}
	}
	words, ok := p.strList(k, v)
	if !ok {
		return
	}
	ops, err := parseSync(words)
	if err != nil {
		p.fail(k, "%v", err)
		return
	}
	a.Sync = ops
}

func setMaxSize(p *parser, k toml.Key, v any, a *Account) {
	if n, ok := v.(int64); ok {
		if n < 0 {
			p.fail(k, "%d is negative", n)
			return
		}
		a.MaxSize = n
		return
	}
	set(&a.MaxSize)(parsed(p, k, v, parseSize))
}

func setStartDate(p *parser, k toml.Key, v any, a *Account) {
	if t, ok := v.(time.Time); ok {
		y, m, d := t.Date()
		a.StartDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return
	}
	set(&a.StartDate)(parsed(p, k, v, parseDate))
}

// setTimeout reads timeout = 60 (seconds) or "90s", "2m": 1 s to 1 h.
func setTimeout(p *parser, k toml.Key, v any, a *Account) {
	if n, ok := v.(int64); ok {
		v = strconv.FormatInt(n, 10) + "s"
	}
	set(&a.Timeout)(parsed(p, k, v, parseTimeout))
}

func setGmail(p *parser, k toml.Key, v any, a *Account) {
	switch x := v.(type) {
	case bool:
		a.Gmail = map[bool]GmailMode{true: GmailOn, false: GmailOff}[x]
	case string:
		if x == "auto" {
			a.Gmail = GmailAuto
			return
		}
		p.fail(k, "%q is not one of auto, true, false", x)
	default:
		p.fail(k, "want \"auto\", true or false, got %s", typeName(v))
	}
}

// defaultAccount holds every default that does not depend on other keys.
func defaultAccount() Account {
	all := Changes{New: true, Flags: true, Delete: true}
	return Account{
		TLS:                TLSImplicit,
		Layout:             "fs",
		Folders:            []string{"*"},
		Keywords:           "dovecot",
		NewDir:             true,
		Sync:               SyncOps{Pull: all, Push: all},
		Expunge:            SidesBoth,
		Create:             SidesBoth,
		Remove:             SidesNone,
		DeleteGuardPercent: 25,
		DeleteGuardCount:   50,
		DeleteGuardAccount: 1000,
		Connections:        4,
		Gmail:              GmailAuto,
		Timeout:            DefaultTimeout,
	}
}

// finish checks required keys and combinations, and fills the defaults
// that depend on other keys (port from tls, TLS server name from host).
func (p *parser) finish(key toml.Key, a *Account, t map[string]any) {
	required := []string{"host", "user", "maildir"}
	if a.Tunnel != "" {
		required = []string{"maildir"} // PREAUTH needs no login
		for _, k := range []string{"host", "port", "tls", "tls_server_name", "ca_file", "fingerprint"} {
			if p.present(t, k) {
				p.fail(key, "%s does not apply to a tunnel (the command is the connection); remove one of them", k)
			}
		}
	}
	for _, req := range required {
		if !p.present(t, req) {
			p.fail(key, "missing required key %q", req)
		}
	}
	if a.Tunnel == "" || a.User != "" {
		p.checkCredentials(key, a)
	}
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
	p.mailboxes(a)
}

func (p *parser) checkCredentials(key toml.Key, a *Account) {
	if a.OAuth2 != nil && a.Auth == "" {
		a.Auth = "xoauth2"
	}
	oauth := a.Auth == "xoauth2" || a.Auth == "oauthbearer"
	hasPass := !a.Password.IsZero() || a.PasswordCommand != ""
	switch {
	case !a.Password.IsZero() && a.PasswordCommand != "":
		p.fail(key, "set only one of password and password_command")
	case a.OAuth2 != nil && a.TokenCommand != "":
		p.fail(key, "set only one of token_command and an [oauth2] table")
	case a.OAuth2 != nil && !oauth:
		p.fail(key, "an [oauth2] table needs auth = \"xoauth2\" or \"oauthbearer\"")
	case oauth && a.TokenCommand == "" && a.OAuth2 == nil:
		p.fail(key, "auth %s needs token_command or an [oauth2] table", a.Auth)
	case !oauth && !hasPass:
		p.fail(key, "missing password_command (or password)")
	}
}
