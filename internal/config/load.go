package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// DefaultPath returns $XDG_CONFIG_HOME/imapdir/config.toml, or
// ~/.config/imapdir/config.toml when XDG_CONFIG_HOME is unset or relative
// (as the XDG base directory specification says).
func DefaultPath(env Env) (string, error) {
	if dir, ok := lookup(env, "XDG_CONFIG_HOME"); ok && filepath.IsAbs(dir) {
		return filepath.Join(dir, "imapdir", "config.toml"), nil
	}
	if env.Home == "" {
		return "", errors.New("config: neither XDG_CONFIG_HOME nor the home directory is known; use --config FILE")
	}
	return filepath.Join(env.Home, ".config", "imapdir", "config.toml"), nil
}

// Load reads the configuration at path (DefaultPath when path is "") with
// env for ~ and $VAR expansion. A file problem is returned as one or more
// *Error joined (see Parse); a file that cannot be read as an error
// wrapping the os error. Warnings (a password in a file others can read)
// are in Config.Warnings.
func Load(path string, env Env) (*Config, error) {
	if path == "" {
		p, err := DefaultPath(env)
		if err != nil {
			return nil, err
		}
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	cfg, err := Parse(path, data, env)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil {
		cfg.Warnings = append(cfg.Warnings, permWarnings(cfg, st.Mode())...)
	}
	return cfg, nil
}

// permWarnings warns about passwords in a file readable by group or others.
func permWarnings(cfg *Config, mode fs.FileMode) []string {
	if mode.Perm()&0o077 == 0 {
		return nil
	}
	var out []string
	for _, a := range cfg.Accounts {
		if !a.Password.IsZero() {
			out = append(out, fmt.Sprintf(
				"%s:%d: accounts.%s: password in a file readable by group/others (mode %04o); run chmod 600 %s or use password_command",
				cfg.Path, a.Line, a.Name, mode.Perm(), cfg.Path))
		}
	}
	return out
}

// Parse reads a configuration from data; file names it in messages. Every
// problem found is reported, each as an *Error, joined with errors.Join.
func Parse(file string, data []byte, env Env) (*Config, error) {
	text := string(data)
	var raw map[string]any
	md, err := toml.Decode(text, &raw)
	if err != nil {
		return nil, syntaxError(file, text, err)
	}
	p := &parser{file: file, lines: keyLines(text, md.Keys()), env: env}
	cfg := &Config{Path: file}
	p.top(raw, md.Keys(), cfg)
	if err := joinErrors(p.errs); err != nil {
		return nil, err
	}
	return cfg, nil
}

// syntaxError turns a TOML parse error into an *Error. The parser's message
// may quote the offending text; on a line that sets a password that text
// could be the password, so the message is withheld there.
func syntaxError(file, text string, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: file, Msg: "syntax: " + err.Error()}
	}
	msg := "syntax: " + pe.Message
	lines := strings.Split(text, "\n")
	if n := pe.Position.Line; n > 0 && n <= len(lines) && setsPassword(lines[n-1]) {
		msg = "syntax error on a line that sets a password (details withheld)"
	}
	for _, l := range lines { // the parser may quote text from other lines too
		if v := passwordText(l); len(v) >= 3 && strings.Contains(msg, v) {
			msg = "syntax error near a password (details withheld)"
		}
	}
	return &Error{File: file, Line: pe.Position.Line, Msg: msg}
}

func setsPassword(line string) bool {
	for _, key := range []string{"password", "client_secret"} {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), key)
		if ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
			return true
		}
	}
	return false
}

// passwordText returns the rough value written on a password line ("" on
// other lines): what follows "=", without quotes and spaces.
func passwordText(line string) string {
	if !setsPassword(line) {
		return ""
	}
	_, v, _ := strings.Cut(line, "=")
	return strings.Trim(v, " \t\"'")
}

// top handles the file's top level: [defaults] and [accounts.*].
func (p *parser) top(raw map[string]any, keys []toml.Key, cfg *Config) {
	for _, name := range sortedKeys(raw) {
		if name != "accounts" && name != "defaults" {
			p.unknown(toml.Key{name}, []string{"accounts", "defaults"})
		}
	}
	tmpl := defaultAccount()
	if d, ok := p.table(toml.Key{"defaults"}, raw["defaults"]); ok {
		p.apply(toml.Key{"defaults"}, d, &tmpl)
		p.defaults = d
	}
	accts, ok := p.table(toml.Key{"accounts"}, raw["accounts"])
	if !ok || len(accts) == 0 {
		if raw["accounts"] == nil {
			p.errs = append(p.errs, &Error{File: p.file, Msg: "no account: add an [accounts.NAME] table"})
		}
		return
	}
	for _, name := range accountOrder(keys) {
		if a, ok := p.account(name, accts[name], tmpl); ok {
			cfg.Accounts = append(cfg.Accounts, a)
		}
	}
}

// table returns v as a table; nil v is an absent (empty) table.
func (p *parser) table(key toml.Key, v any) (map[string]any, bool) {
	if v == nil {
		return nil, false
	}
	t, ok := v.(map[string]any)
	if !ok {
		p.fail(key, "want a table, got %s", typeName(v))
	}
	return t, ok
}

func (p *parser) unknown(key toml.Key, known []string) {
	msg := "unknown key"
	if s := suggest(key[len(key)-1], known); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	p.fail(key, "%s", msg)
}

// apply sets every key of t on a.
func (p *parser) apply(prefix toml.Key, t map[string]any, a *Account) {
	for _, name := range sortedKeys(t) {
		key := append(append(toml.Key{}, prefix...), name)
		if f, ok := fields[name]; ok {
			f(p, key, t[name], a)
		} else {
			p.unknown(key, fieldNames())
		}
	}
}

// account builds one account from its table over the defaults in tmpl.
func (p *parser) account(name string, v any, tmpl Account) (Account, bool) {
	key := toml.Key{"accounts", name}
	t, ok := p.table(key, v)
	if !ok {
		return Account{}, false
	}
	if strings.ContainsAny(name, ":/") || strings.TrimSpace(name) == "" {
		p.fail(key, "account name %q must be non-empty and contain neither ':' nor '/'", name)
		return Account{}, false
	}
	a := tmpl
	a.Folders = append([]string(nil), tmpl.Folders...)
	a.Name, a.Line = name, lineOf(p.lines, key)
	before := len(p.errs)
	p.apply(key, t, &a)
	p.finish(key, &a, t)
	return a, len(p.errs) == before
}

// accountOrder returns account names in file order.
func accountOrder(keys []toml.Key) []string {
	var names []string
	seen := map[string]bool{}
	for _, k := range keys {
		if len(k) >= 2 && k[0] == "accounts" && !seen[k[1]] {
			seen[k[1]] = true
			names = append(names, k[1])
		}
	}
	return names
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
