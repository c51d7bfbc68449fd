package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHelpersOnAccounts(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(minimal+"max_size = 1000\nport = 1993\n"), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	a, ok := cfg.Account("work")
	if !ok || a.Addr() != "imap.example.com:1993" || a.MaxSize != 1000 {
		t.Fatalf("Account(work) = %+v, %v", a, ok)
	}
	if _, ok := cfg.Account("nope"); ok {
		t.Error("Account(nope) found")
	}
	sides := map[Sides][2]bool{SidesBoth: {true, true}, SidesFar: {true, false}, SidesNear: {false, true}, SidesNone: {}}
	for s, want := range sides {
		if s.Far() != want[0] || s.Near() != want[1] {
			t.Errorf("%s: Far %v Near %v", s, s.Far(), s.Near())
		}
	}
}

func TestMoreBadValues(t *testing.T) {
	cases := map[string]string{
		minimal + "max_size = -5":                              `c.toml:6: accounts.work.max_size: -5 is negative`,
		minimal + "max_size = 1.5":                             `c.toml:6: accounts.work.max_size: want a string, got float`,
		minimal + `tls_server_name = "  "`:                     `c.toml:6: accounts.work.tls_server_name: must not be empty`,
		minimal + "new_dir = 1":                                `c.toml:6: accounts.work.new_dir: want true or false, got integer`,
		minimal + "sync = [1]":                                 `c.toml:6: accounts.work.sync: element 1: want a string, got integer`,
		minimal + "sync = {a = 1}":                             `c.toml:6: accounts.work.sync: want an array of strings, got table`,
		minimal + "gmail = 2024-01-01":                         `c.toml:6: accounts.work.gmail: want "auto", "all-mail", "folders", true or false, got date/time`,
		minimal + `start_date = "jan 1"`:                       `c.toml:6: accounts.work.start_date: "jan 1" is not a date like 2024-01-31`,
		minimal + `sync = ["delete"]` + "\n" + `layout = "mh"`: `c.toml:7: accounts.work.layout: "mh" is not one of fs, maildir++, fs-mutf7, maildir++-mutf7`,
	}
	for text, want := range cases {
		_, err := Parse("c.toml", []byte(text), testEnv())
		if err == nil || err.Error() != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	}
}

func TestSyncWords(t *testing.T) {
	all := Changes{true, true, true}
	cases := map[string]SyncOps{
		"push":        {Push: all},
		"flags":       {Pull: Changes{Flags: true}, Push: Changes{Flags: true}},
		"delete":      {Pull: Changes{Delete: true}, Push: Changes{Delete: true}},
		"pull_delete": {Pull: Changes{Delete: true}}, "push_new": {Push: Changes{New: true}},
	}
	for w, want := range cases {
		if got, err := parseSync([]string{w}); err != nil || got != want {
			t.Errorf("%s: %+v, %v", w, got, err)
		}
	}
	for _, w := range []string{"pull_all", "sideways_new", "pull-new", ""} {
		if _, err := parseSync([]string{w}); err == nil {
			t.Errorf("%q: want error", w)
		}
	}
}

func TestLoadDefaultPathFromEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "imapdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "imapdir", "config.toml")
	if err := os.WriteFile(path, []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	env := Env{Home: "/home/u", Lookup: func(k string) (string, bool) {
		if k == "XDG_CONFIG_HOME" {
			return dir, true
		}
		return "", false
	}}
	cfg, err := Load("", env)
	if err != nil || cfg.Path != path || len(cfg.Accounts) != 1 {
		t.Fatalf("Load: %v %+v", err, cfg)
	}
	if e := OSEnv(); e.Lookup == nil {
		t.Error("OSEnv has no Lookup")
	}
	_, err = Load(filepath.Join(dir, "imapdir"), env) // a directory
	if err == nil || !strings.Contains(err.Error(), "config: read ") {
		t.Errorf("reading a directory: %v", err)
	}
}
