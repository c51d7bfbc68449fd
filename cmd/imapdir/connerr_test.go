package main

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The first thing a new user meets is a connection that fails: each common
// cause must give one line that says what happened in the configuration's
// words and which key changes it, never a Go field name or a wrapped chain.
func TestConnectErrorsNameTheFix(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	base := readFile(t, a.config)
	implicitPort := "port = " + strconv.Itoa(a.srv.IMAPSPort())

	t.Run("plaintext port with implicit TLS", func(t *testing.T) {
		a.writeConfig(strings.Replace(base, implicitPort, "port = "+strconv.Itoa(a.srv.IMAPPort()), 1))
		r := a.run("sync").must(t, 1)
		want := `127.0.0.1:` + strconv.Itoa(a.srv.IMAPPort()) + ` answered in plaintext; for implicit TLS use port 993, or set tls = "starttls"`
		oneLineWith(t, r, want)
		if strings.Contains(r.stderr, "InsecurePlaintext") {
			t.Errorf("the message names a Go field: %q", r.stderr)
		}
	})

	t.Run("starttls on the implicit TLS port", func(t *testing.T) {
		// The server waits for a TLS ClientHello and says nothing: the
		// run must not sit through the whole timeout before telling why.
		a.writeConfig(strings.Replace(base, `tls = "implicit"`, `tls = "starttls"`+"\ntimeout = 2", 1))
		r := a.run("list", "work").must(t, 1)
		oneLineWith(t, r, `127.0.0.1:`+strconv.Itoa(a.srv.IMAPSPort())+` sent no IMAP greeting; if it is an implicit-TLS port (usually 993), set tls = "implicit"`)
	})

	t.Run("nobody listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		a.writeConfig(strings.Replace(base, implicitPort, "port = "+strconv.Itoa(port), 1))
		r := a.run("list", "work").must(t, 1)
		oneLineWith(t, r, "cannot connect to 127.0.0.1:"+strconv.Itoa(port)+": connection refused")
		if strings.Count(r.stderr, "connection refused") != 1 || strings.Count(r.stderr, "127.0.0.1") != 1 {
			t.Errorf("the reason is repeated: %q", r.stderr)
		}
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		a.writeConfig(regexp.MustCompile(`(?m)^ca_file = .*$`).ReplaceAllString(base, ""))
		r := a.run("sync").must(t, 1)
		for _, want := range []string{"not trusted", "subject", "issuer", "SHA-256", "ca_file", "fingerprint = \"sha256:"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("untrusted certificate: %q lacks %q", r.stderr, want)
			}
		}
		// The printed fingerprint, pasted into the config, must work.
		m := regexp.MustCompile(`fingerprint = "(sha256:[0-9A-F:]+)"`).FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("no fingerprint to paste in %q", r.stderr)
		}
		a.writeConfig(regexp.MustCompile(`(?m)^ca_file = .*$`).ReplaceAllString(base, `fingerprint = "`+m[1]+`"`))
		a.run("list", "work").must(t, 0)
	})
}

// oneLineWith checks that stderr is one line holding want.
func oneLineWith(t *testing.T, r result, want string) {
	t.Helper()
	r.noStackTrace(t)
	line := strings.TrimSpace(r.stderr)
	if strings.Count(line, "\n") != 0 || !strings.Contains(line, want) {
		t.Errorf("%s: want one line with %q, got %q", r.description, want, r.stderr)
	}
}

// A failing password_command gets one line naming the key, the exit
// status and the last line the command wrote to stderr — not the whole
// stderr (a tool may print a passphrase prompt or worse there) and not the
// library's chain of prefixes.
func TestPasswordCommandFailureIsOneLine(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	base := readFile(t, a.config)
	pw := regexp.MustCompile(`(?m)^password = .*$`)
	a.writeConfig(pw.ReplaceAllString(base, `password_command = "echo 'enter passphrase: hunter2' >&2; echo 'gpg: decryption failed: No secret key' >&2; exit 2"`))
	r := a.run("list", "work").must(t, 1)
	oneLineWith(t, r, `password_command failed (exit status 2): gpg: decryption failed: No secret key`)
	for _, bad := range []string{"hunter2", "imapclient:", "callback"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr holds %q: %q", bad, r.stderr)
		}
	}
}
