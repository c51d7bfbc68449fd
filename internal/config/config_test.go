package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func testEnv() Env {
	vars := map[string]string{"MAILROOT": "/srv/mail", "XDG_CONFIG_HOME": "/xdg"}
	return Env{Home: "/home/u", Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

const minimal = `[accounts.work]
host = "imap.example.com"
user = "me@example.com"
password_command = "pass show work"
maildir = "~/Maildir/work"
`

func TestParseMinimalDefaults(t *testing.T) {
	cfg, err := Parse("config.toml", []byte(minimal), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	all := Changes{New: true, Flags: true, Delete: true}
	want := Account{
		Name: "work", Line: 1, Host: "imap.example.com", Port: 993, TLS: TLSImplicit,
		TLSServerName: "imap.example.com", User: "me@example.com", PasswordCommand: "pass show work",
		Maildir: "/home/u/Maildir/work", Layout: "fs", Folders: []string{"*"}, SpecialUse: true, Keywords: "dovecot", Labels: "x-keywords",
		NewDir: true, Sync: SyncOps{Pull: all, Push: all}, Expunge: SidesBoth, Create: SidesBoth,
		Remove: SidesNone, DeleteGuardPercent: 25, DeleteGuardCount: 50, DeleteGuardAccount: 1000, Connections: 4, Gmail: GmailAuto,
		Timeout: DefaultTimeout,
	}
	if len(cfg.Accounts) != 1 || !reflect.DeepEqual(cfg.Accounts[0], want) {
		t.Fatalf("got  %+v\nwant %+v", cfg.Accounts, want)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
}

const full = `# every key
[defaults]
connections = 2
folders = ["*", "!Junk"]

[accounts.work]
host = "imap.example.com"
tls = "starttls"
tls_server_name = "mail.example.com"
ca_file = "$MAILROOT/ca.pem"
fingerprint = "sha256:` + "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF" + `"
user = "me"
password = "hunter2"
auth = "plain"
maildir = "${MAILROOT}/work"
layout = "maildir++"
sync = ["pull", "push_flags"]
expunge = "far"
create = "near"
remove = "both"
max_size = "20MB"
max_age = "90d"
delete_guard_percent = 10
delete_guard_count = 5
keywords = "dovecot"
new_dir = false
gmail = false

[accounts.gmail]
host = "imap.gmail.com"
user = "me@gmail.com"
auth = "xoauth2"
token_command = "oauth2-token gmail"
maildir = "/mail/gmail"
connections = 8
start_date = 2024-01-31
sync = "pull"
gmail = "auto"
`

func TestParseFull(t *testing.T) {
	cfg, err := Parse("config.toml", []byte(full), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{cfg.Accounts[0].Name, cfg.Accounts[1].Name}; got[0] != "work" || got[1] != "gmail" {
		t.Fatalf("order %v", got)
	}
	w, g := cfg.Accounts[0], cfg.Accounts[1]
	checks := []struct {
		name      string
		got, want any
	}{
		{"line", w.Line, 6}, {"port", w.Port, 143}, {"tls", w.TLS, TLSStartTLS},
		{"server name", w.TLSServerName, "mail.example.com"}, {"ca", w.CAFile, "/srv/mail/ca.pem"},
		{"fp len", len(w.Fingerprint), 32}, {"fp last", w.Fingerprint[31], byte(0xff)},
		{"password", w.Password.Reveal(), "hunter2"}, {"maildir", w.Maildir, "/srv/mail/work"},
		{"layout", w.Layout, "maildir++"}, {"folders", w.Folders, []string{"*", "!Junk"}},
		{"sync", w.Sync, SyncOps{Pull: Changes{true, true, true}, Push: Changes{Flags: true}}},
		{"expunge", w.Expunge, SidesFar}, {"create", w.Create, SidesNear}, {"remove", w.Remove, SidesBoth},
		{"max size", w.MaxSize, int64(20 << 20)}, {"max age", w.MaxAge, 90 * 24 * time.Hour},
		{"guard", [2]int{w.DeleteGuardPercent, w.DeleteGuardCount}, [2]int{10, 5}},
		{"keywords", w.Keywords, "dovecot"}, {"new_dir", w.NewDir, false}, {"gmail", w.Gmail, GmailOff},
		{"conns default", w.Connections, 2}, {"conns own", g.Connections, 8},
		{"g start", g.StartDate, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"g sync", g.Sync, SyncOps{Pull: Changes{true, true, true}}}, {"g gmail", g.Gmail, GmailAuto},
		{"g token", g.TokenCommand, "oauth2-token gmail"}, {"g port", g.Port, 993},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// badCases: each config and the exact error text it must give.
var badCases = []struct{ name, text, want string }{
	{"tls typo", minimal + `tls = "startls"`,
		`config.toml:6: accounts.work.tls: "startls" is not one of implicit, starttls, plaintext-insecure`},
	{"unknown key", minimal + "prot = 993",
		`config.toml:6: accounts.work.prot: unknown key (did you mean port?)`},
	{"unknown top", "colour = 1\n" + minimal, `config.toml:1: colour: unknown key`},
	{"unknown default", "[defaults]\nwhatever = 1\n" + minimal, `config.toml:2: defaults.whatever: unknown key`},
	{"port type", minimal + `port = "993"`, `config.toml:6: accounts.work.port: want an integer, got string`},
	{"port range", minimal + `port = 70000`, `config.toml:6: accounts.work.port: 70000 is out of range 1..65535`},
	{"missing host", "[accounts.a]\nuser = \"u\"\npassword_command = \"x\"\nmaildir = \"/m\"\n",
		`config.toml:1: accounts.a: missing required key "host"`},
	{"no credential", "[accounts.a]\nhost = \"h\"\nuser = \"u\"\nmaildir = \"/m\"\n",
		`config.toml:1: accounts.a: missing password_command (or password)`},
	{"two credentials", minimal + `password = "s3cret-value"`,
		`config.toml:1: accounts.work: set only one of password and password_command`},
	{"oauth without token", minimal + `auth = "xoauth2"`, `config.toml:1: accounts.work: auth xoauth2 needs token_command or an [oauth2] table`},
	{"syntax", minimal + "host = \n", `config.toml:6: syntax: expected value but found '\n' instead`},
	{"relative maildir", strings.Replace(minimal, "~/Maildir", "Maildir", 1),
		`config.toml:5: accounts.work.maildir: "Maildir/work" is not an absolute path (start it with / or ~/)`},
	{"unset var", strings.Replace(minimal, "~/Maildir", "$NOPE/Maildir", 1),
		`config.toml:5: accounts.work.maildir: $NOPE is not set`},
	{"size", minimal + `max_size = "20 furlongs"`,
		`config.toml:6: accounts.work.max_size: "20 furlongs" is not a size like 20MB, 512KB or 1000000`},
	{"age", minimal + `max_age = "soon"`,
		`config.toml:6: accounts.work.max_age: "soon" is not an age like 90d, 12w, 1y or 36h`},
	{"age and date", minimal + "max_age = \"1y\"\nstart_date = \"2020-01-01\"",
		`config.toml:1: accounts.work: set only one of max_age and start_date`},
	{"sync word", minimal + `sync = ["pull", "pul_new"]`,
		`config.toml:6: accounts.work.sync: "pul_new" is not one of ` + syncWordList},
	{"folders type", minimal + `folders = "*"`, `config.toml:6: accounts.work.folders: want an array of strings, got string`},
	{"empty pattern", minimal + `folders = ["*", "!"]`, `config.toml:6: accounts.work.folders: empty folder pattern`},
	{"fingerprint", minimal + `fingerprint = "md5:00"`,
		`config.toml:6: accounts.work.fingerprint: "md5:00" is not sha256: followed by 32 hex bytes`},
	{"gmail", minimal + `gmail = "yes"`, `config.toml:6: accounts.work.gmail: "yes" is not one of auto, all-mail, folders, true, false`},
	{"connections", minimal + `connections = 0`, `config.toml:6: accounts.work.connections: 0 is out of range 1..16`},
	{"account name", strings.Replace(minimal, "work", `"a:b"`, 1),
		`config.toml:1: accounts."a:b": account name "a:b" must be non-empty and contain neither ':' nor '/'`},
	{"no accounts", "[defaults]\nconnections = 2\n", `config.toml: no account: add an [accounts.NAME] table`},
	{"account not table", "[accounts]\nwork = 3\n", `config.toml:2: accounts.work: want a table, got integer`},
	{"two errors", minimal + "tls = \"x\"\nconnections = 99\n",
		"config.toml:6: accounts.work.tls: \"x\" is not one of implicit, starttls, plaintext-insecure\n" +
			"config.toml:7: accounts.work.connections: 99 is out of range 1..16"},
	{"plaintext pin", minimal + "tls = \"plaintext-insecure\"\nfingerprint = \"sha256:" + strings.Repeat("00", 32) + "\"",
		`config.toml:1: accounts.work: ca_file and fingerprint need TLS, but tls is plaintext-insecure`},
}

func TestParseBad(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("config.toml", []byte(c.text), testEnv())
			if err == nil {
				t.Fatalf("no error; want %s", c.want)
			}
			if err.Error() != c.want {
				t.Fatalf("got  %s\nwant %s", err, c.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%T is not *Error", err)
			}
		})
	}
}

func TestPasswordNeverInErrorsOrFormatting(t *testing.T) {
	const pw = "Sup3r-S3cret"
	bad := []string{
		minimal + "password = \"" + pw + "\"\n",                                         // conflict
		"[accounts.a]\npassword = 12\n",                                                 // type
		"[accounts.a]\npassword = \"" + pw + "\n",                                       // syntax on the password line
		"[accounts.a]\npassword = \"" + pw + "\" x\nhost = 1\n",                         // syntax after the value
		"[accounts.a]\npasswd = \"" + pw + "\"\nhost=\"h\"\nuser=\"u\"\nmaildir=\"/m\"", // typo: unknown key
	}
	for _, text := range bad {
		_, err := Parse("c.toml", []byte(text), testEnv())
		if err == nil || strings.Contains(err.Error(), pw) {
			t.Errorf("error %v for %q", err, text)
		}
	}
	cfg, err := Parse("c.toml", []byte(strings.Replace(minimal, `password_command = "pass show work"`, `password = "`+pw+`"`, 1)), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		if s := fmt.Sprintf(f, cfg); strings.Contains(s, pw) || strings.Contains(s, fmt.Sprintf("%x", pw)) {
			t.Errorf("%s leaks: %s", f, s)
		}
	}
	if got := cfg.Accounts[0].Password.Reveal(); got != pw {
		t.Errorf("Reveal = %q", got)
	}
}

func TestLoadPermissionWarning(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	text := strings.Replace(minimal, `password_command = "pass show work"`, `password = "x"`, 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	cfg, err := Load(path, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := path + ":1: accounts.work: password in a file readable by group/others (mode 0644); run chmod 600 " + path + " or use password_command"
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != want {
		t.Fatalf("warnings %q\nwant %q", cfg.Warnings, want)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err = Load(path, testEnv()); err != nil || len(cfg.Warnings) != 0 {
		t.Fatalf("0600: %v %q", err, cfg.Warnings)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), testEnv())
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	p, err := DefaultPath(testEnv())
	if err != nil || p != "/xdg/imapdir/config.toml" {
		t.Errorf("with XDG: %q %v", p, err)
	}
	p, err = DefaultPath(Env{Home: "/home/u"})
	if err != nil || p != "/home/u/.config/imapdir/config.toml" {
		t.Errorf("without XDG: %q %v", p, err)
	}
	if _, err = DefaultPath(Env{}); err == nil {
		t.Error("no home: want error")
	}
}

func TestSyntaxErrorQuotingAPasswordIsWithheld(t *testing.T) {
	// The error is on line 3, and the parser quotes "hunter" from it: the
	// same text as line 2's password, so the message is withheld.
	text := "[accounts.a]\npassword = \"hunter\"\nx = hunter2\n"
	_, err := Parse("c.toml", []byte(text), testEnv())
	want := "c.toml:3: syntax error near a password (details withheld)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// TestGmailKeys: keywords = "x-keywords", labels, gmail_folders and the
// Gmail layouts are read; a gmail_folders entry other than Trash or Spam
// is an error naming the line.
func TestGmailKeys(t *testing.T) {
	env := Env{Lookup: func(string) (string, bool) { return "", false }, Home: "/home/u"}
	data := "[accounts.a]\nhost = \"h\"\nuser = \"u\"\npassword_command = \"true\"\nmaildir = \"/m\"\nkeywords = \"x-keywords\"\n" +
		"gmail = \"all-mail\"\nlabels = \"none\"\ngmail_folders = [\"Trash\", \"Spam\"]\n"
	cfg, err := Parse("config.toml", []byte(data), env)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if a.Keywords != "x-keywords" || a.Gmail != GmailAllMail || a.Labels != "none" || !slices.Equal(a.GmailFolders, []string{"Trash", "Spam"}) {
		t.Errorf("account %+v", a)
	}
	if !a.AllMail(true) || a.AllMail(false) || a.LabelsInMaildir(true) {
		t.Errorf("AllMail/LabelsInMaildir wrong for %+v", a)
	}
	bad := strings.Replace(data, `"Spam"]`, `"Sent"]`, 1)
	if _, err := Parse("config.toml", []byte(bad), env); err == nil || !strings.Contains(err.Error(), "config.toml:9: accounts.a.gmail_folders") {
		t.Errorf("gmail_folders = Sent: err = %v", err)
	}
}
