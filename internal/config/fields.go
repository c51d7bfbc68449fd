package config

import (
	"sort"
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
	"layout":  func(p *parser, k toml.Key, v any, a *Account) { set(&a.Layout)(p.oneOf(k, v, "fs", "maildir++")) },
	"folders": setFolders,
	"keywords": func(p *parser, k toml.Key, v any, a *Account) {
		set(&a.Keywords)(p.oneOf(k, v, "x-keywords", "dovecot", "none"))
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
	"connections": func(p *parser, k toml.Key, v any, a *Account) { set(&a.Connections)(p.intRange(k, v, 1, 16)) },
	"gmail":       setGmail,
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
