package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

// binary is the imapdir command built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "imapdir-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "imapdir")
	// Every run the tests start keeps its state (the action logs) here,
	// not in the home directory of whoever runs the tests.
	if err := os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := build(binary)
	if code == 0 {
		code = testenv.RunMain(m)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles this package into path, as a user's `go build` would.
func build(path string) int {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", path, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building imapdir: %v\n%s", err, out)
		return 1
	}
	return 0
}

// account is a test Dovecot user with a config file written for it.
type account struct {
	t       *testing.T
	srv     *testenv.Server
	user    testenv.User
	dir     string
	config  string
	maildir string
}

// newAccount makes a fresh Dovecot user and a config naming it "work",
// over implicit TLS with the harness CA. extra is added to the account.
func newAccount(t *testing.T, extra string) *account {
	t.Helper()
	srv := testenv.Dovecot(t)
	a := &account{t: t, srv: srv, user: srv.NewUser(t), dir: t.TempDir()}
	a.config, a.maildir = writeAccount(t, a.dir, srv, a.user, extra)
	return a
}

// writeAccount writes into dir a config naming user u of srv "work",
// over implicit TLS with the harness CA, and returns the config path and
// its Maildir.
func writeAccount(t *testing.T, dir string, srv testenv.MailServer, u testenv.User, extra string) (config, maildir string) {
	t.Helper()
	maildir = filepath.Join(dir, "Maildir")
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(srv.IMAPSAddr())
	if err != nil {
		t.Fatal(err)
	}
	config = filepath.Join(dir, "config.toml")
	text := fmt.Sprintf(`[accounts.work]
host = %q
port = %s
tls = "implicit"
ca_file = %q
user = %q
password = %q
maildir = %q
%s`, srv.Host(), port, ca, u.Name, u.Password, maildir, extra)
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return config, maildir
}

func (a *account) writeConfig(text string) {
	a.t.Helper()
	if err := os.WriteFile(a.config, []byte(text), 0o600); err != nil {
		a.t.Fatal(err)
	}
}

// result is one run of the binary.
type result struct {
	code        int
	stdout      string
	stderr      string
	description string
}

// run runs imapdir --config CONFIG args... and returns what it did.
func (a *account) run(args ...string) result {
	a.t.Helper()
	return runBinaryEnv(a.t, []string{a.stateEnv()}, append([]string{"--config", a.config}, args...)...)
}

// stateEnv sets the account's own state directory (its action log), so
// that tests running at once, all with an account "work", do not mix.
func (a *account) stateEnv() string {
	return "XDG_STATE_HOME=" + filepath.Join(a.dir, "state")
}

func runBinary(t *testing.T, args ...string) result {
	t.Helper()
	return runBinaryEnv(t, nil, args...)
}

// runBinaryEnv is runBinary with env added to the environment.
func runBinaryEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir()), env...)
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), description: "imapdir " + strings.Join(args, " ")}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", r.description, err)
	}
	return r
}

// must fails the test unless r exited with code.
func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.description, r.code, code, r.stdout, r.stderr)
	}
	return r
}

// noStackTrace fails the test when the output looks like a Go panic.
func (r result) noStackTrace(t *testing.T) {
	t.Helper()
	for _, s := range []string{"goroutine ", "panic:", ".go:"} {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("%s: output holds %q (a stack trace?)\n%s%s", r.description, s, r.stdout, r.stderr)
		}
	}
}

// message returns a small RFC 5322 message.
func message(subject string) []byte {
	return []byte(fmt.Sprintf("From: a@example.com\nTo: b@example.com\nMessage-ID: <%s@example.com>\nSubject: %s\n\nHello %s\n",
		strings.ReplaceAll(subject, " ", "."), subject, subject))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
