package config

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{"0": 0, "100": 100, "20MB": 20 << 20, "512k": 512 << 10, "1 GiB": 1 << 30, "7B": 7}
	for in, want := range good {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1", "1.5MB", "10TB", "99999999999999999G"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): want error", in)
		}
	}
}

func TestParseAge(t *testing.T) {
	day := 24 * time.Hour
	good := map[string]time.Duration{"90d": 90 * day, "2w": 14 * day, "1y": 365 * day, "36h": 36 * time.Hour}
	for in, want := range good {
		if got, err := parseAge(in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "0d", "-3d", "1.5d", "-1h", "forever"} {
		if _, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q): want error", in)
		}
	}
}

func TestParseFingerprint(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, in := range []string{"sha256:" + hex, "SHA256:" + strings.ToUpper(hex), "sha256:" + strings.Repeat("AB:", 31) + "AB"} {
		if b, err := parseFingerprint(in); err != nil || len(b) != 32 || b[0] != 0xab {
			t.Errorf("parseFingerprint(%q) = %x, %v", in, b, err)
		}
	}
	for _, in := range []string{"", hex, "sha256:" + hex[2:], "sha1:" + hex, "sha256:zz" + hex[2:]} {
		if _, err := parseFingerprint(in); err == nil {
			t.Errorf("parseFingerprint(%q): want error", in)
		}
	}
}

func TestExpandPath(t *testing.T) {
	env := testEnv()
	good := map[string]string{"~": "/home/u", "~/Mail": "/home/u/Mail", "$MAILROOT/x/../y": "/srv/mail/y", "/a/${MAILROOT}": "/a/srv/mail"}
	for in, want := range good {
		if got, err := expandPath(in, env); err != nil || got != want {
			t.Errorf("expandPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"rel/path", "~other/x", "$UNSET/x"} {
		if _, err := expandPath(in, env); err == nil {
			t.Errorf("expandPath(%q): want error", in)
		}
	}
}

func TestKeyLines(t *testing.T) {
	text := `# comment with host = 1
[accounts]
a.host = "x"           # dotted
"b c" = { host = "y", port = 1 }

[accounts.'d']
host = "tls = 3"
tls = "z"
`
	var raw map[string]any
	md, err := toml.Decode(text, &raw)
	if err != nil {
		t.Fatal(err)
	}
	lines := keyLines(text, md.Keys())
	want := map[string]int{
		"accounts": 2, "accounts.a.host": 3, `accounts."b c"`: 4, `accounts."b c".host`: 4,
		`accounts."b c".port`: 4, "accounts.d": 6, "accounts.d.host": 7, "accounts.d.tls": 8,
	}
	for k, n := range want {
		if lines[k] != n {
			t.Errorf("line of %s = %d, want %d (all: %v)", k, lines[k], n, lines)
		}
	}
}

func TestParseSync(t *testing.T) {
	ops, err := parseSync([]string{"new", "pull_flags", "push_delete"})
	want := SyncOps{Pull: Changes{New: true, Flags: true}, Push: Changes{New: true, Delete: true}}
	if err != nil || ops != want {
		t.Errorf("got %+v, %v", ops, err)
	}
	if ops, _ := parseSync([]string{"none"}); ops != (SyncOps{}) {
		t.Errorf("none = %+v", ops)
	}
}

func TestSecretFormatting(t *testing.T) {
	s := NewSecret("pw")
	for _, got := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(got, "pw") {
			t.Errorf("leak: %q", got)
		}
	}
	if b, _ := s.MarshalText(); string(b) != redacted {
		t.Errorf("MarshalText = %q", b)
	}
	if (Secret{}).String() != "" || !(Secret{}).IsZero() {
		t.Error("zero secret")
	}
}
