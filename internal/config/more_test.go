package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		minimal + "gmail = 2024-01-01":                         `c.toml:6: accounts.work.gmail: want "auto", true or false, got date/time`,
		minimal + `start_date = "jan 1"`:                       `c.toml:6: accounts.work.start_date: "jan 1" is not a date like 2024-01-31`,
		minimal + `sync = ["delete"]` + "\n" + `layout = "mh"`: `c.toml:7: accounts.work.layout: "mh" is not one of fs, maildir++, dots, fs-mutf7, maildir++-mutf7, dots-mutf7, legacy-mutf7`,
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

// A mailbox table overrides the account's settings for that mailbox
// alone; keys it may not hold are refused, naming the line.
func TestMailboxSettings(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(`[defaults]
max_size = "1MB"

[accounts.work]
host = "h"
user = "u"
password = "p"
maildir = "/m"
max_age = "30d"
expunge = "near"

[accounts.work.mailbox."Archive"]
sync = "pull"
start_date = 2020-01-02

[accounts.work.mailbox."Lists/Go"]
max_size = "5MB"
delete_guard_count = 7
`), Env{})
	if err != nil {
		t.Fatal(err)
	}
	a := &cfg.Accounts[0]
	arch := a.ForMailbox("Archive")
	if arch.Sync.Push != (Changes{}) || !arch.Sync.Pull.New || arch.MaxAge != 0 || arch.StartDate.Year() != 2020 ||
		arch.MaxSize != 1<<20 || arch.Expunge != SidesNear {
		t.Errorf("Archive: %+v", arch)
	}
	lists := a.ForMailbox("Lists/Go")
	if lists.MaxSize != 5<<20 || lists.DeleteGuardCount != 7 || lists.MaxAge != 30*24*time.Hour || !lists.Sync.Push.New {
		t.Errorf("Lists/Go: %+v", lists)
	}
	if inbox := a.ForMailbox("INBOX"); inbox.MaxAge != 30*24*time.Hour || inbox.MaxSize != 1<<20 || inbox.DeleteGuardCount != 50 {
		t.Errorf("INBOX: %+v", inbox)
	}
	a.SetSync(SyncOps{Push: Changes{New: true}})
	if a.ForMailbox("Archive").Sync.Pull.New || !a.ForMailbox("Archive").Sync.Push.New {
		t.Error("a command-line sync override does not reach the mailbox's own sync")
	}
	_, err = Parse("c.toml", []byte("[accounts.work]\nhost = \"h\"\nuser = \"u\"\npassword = \"p\"\nmaildir = \"/m\"\n\n[accounts.work.mailbox.\"Archive\"]\nhost = \"x\"\nmax_age = \"1d\"\nstart_date = 2020-01-01\n"), Env{})
	if err == nil || !strings.Contains(err.Error(), "c.toml:8: accounts.work.mailbox.Archive.host: unknown key") ||
		!strings.Contains(err.Error(), "only one of max_age and start_date") {
		t.Errorf("error %v", err)
	}
}

// A tunnel account needs neither host nor login; keys of a network
// connection are refused with it.
func TestTunnelAccount(t *testing.T) {
	cfg, err := Parse("c.toml", []byte("[accounts.home]\ntunnel = \"ssh h /usr/lib/dovecot/imap\"\nmaildir = \"/m\"\n"), Env{})
	if err != nil {
		t.Fatal(err)
	}
	if a := cfg.Accounts[0]; a.Tunnel != "ssh h /usr/lib/dovecot/imap" || a.User != "" {
		t.Errorf("account %+v", a)
	}
	_, err = Parse("c.toml", []byte("[accounts.home]\ntunnel = \"ssh h imap\"\nhost = \"h\"\ntls = \"starttls\"\nmaildir = \"/m\"\n"), Env{})
	if err == nil || !strings.Contains(err.Error(), "host does not apply to a tunnel") || !strings.Contains(err.Error(), "tls does not apply") {
		t.Errorf("error %v", err)
	}
	_, err = Parse("c.toml", []byte("[accounts.home]\ntunnel = \"ssh h nc localhost 143\"\nuser = \"me\"\nmaildir = \"/m\"\n"), Env{})
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("a tunnel with a user but no password: %v", err)
	}
}
