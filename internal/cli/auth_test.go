package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/gmailsim"
	"github.com/imapdir/imapdir/internal/oauth/oauthtest"
)

// oauthWorld is a Gmail double whose tokens come from a fake OAuth 2
// provider, and a configuration that signs in to it with [oauth2].
type oauthWorld struct {
	*world
	prov *oauthtest.Provider
	sim  *gmailsim.Server
}

func newOAuthWorld(t *testing.T, valid func(p *oauthtest.Provider) func(user, token string) bool) *oauthWorld {
	t.Helper()
	w := &oauthWorld{world: newWorld(t)}
	p, err := oauthtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	w.prov = p
	if valid == nil {
		valid = func(p *oauthtest.Provider) func(string, string) bool { return p.ValidToken }
	}
	sim, err := gmailsim.Start(gmailsim.Options{User: "me@gmail.com", ValidToken: valid(p)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	w.sim = sim
	host, port, _ := net.SplitHostPort(sim.Addr())
	w.writeConfig(fmt.Sprintf(`[accounts.work]
host = %q
port = %s
tls = "plaintext-insecure"
user = "me@gmail.com"
maildir = %q
connections = 4
gmail = "folders" # several mailboxes: several logins, some after a token expired

[accounts.work.oauth2]
client_id = "imapdir-test.apps.example.com"
client_secret = "client-s3cret"
auth_url = %q
token_url = %q
device_url = %q
`, host, port, filepath.Join(w.dir, "Maildir"), p.URL()+"/authorize", p.URL()+"/token", p.URL()+"/device"))
	return w
}

// browser is the App's stdout during "auth": it keeps the output and,
// like a user, opens the address printed, following the redirects back to
// imapdir's loopback listener.
type browser struct {
	mu     sync.Mutex
	out    bytes.Buffer
	opened atomic.Int32
	errs   chan error
}

func (b *browser) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.out.Write(p)
	b.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		if u := strings.TrimSpace(sc.Text()); strings.HasPrefix(u, "http://") && strings.Contains(u, "/authorize?") {
			b.opened.Add(1)
			go func() {
				resp, err := http.Get(u)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				b.errs <- err
			}()
		}
	}
	return len(p), nil
}

func (b *browser) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

// runAuth runs "imapdir auth work" with the browser following the URL.
func (w *oauthWorld) runAuth(args ...string) (int, string, string) {
	w.t.Helper()
	b := &browser{errs: make(chan error, 1)}
	var errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	app := &App{Stdout: b, Stderr: &errOut, Now: func() time.Time { return fixedNow },
		Env: config.Env{Lookup: func(string) (string, bool) { return "", false }, Home: w.dir}}
	code := app.Run(ctx, append([]string{"--config", w.configPath, "-vvv", "auth", "work"}, args...))
	if b.opened.Load() > 0 {
		if err := <-b.errs; err != nil {
			w.t.Errorf("browser: %v", err)
		}
	}
	return code, b.String(), errOut.String()
}

func (w *oauthWorld) noTokenIn(outputs ...string) {
	w.t.Helper()
	secrets := append(w.prov.Issued(), "client-s3cret")
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				w.t.Errorf("a token appears in the output:\n%s", out)
			}
		}
	}
}

// TestAuthPKCE: "imapdir auth" prints the URL, the browser step completes
// through the loopback redirect, the refresh token is kept 0600, and the
// next run logs in with tokens obtained from it.
func TestAuthPKCE(t *testing.T) {
	w := newOAuthWorld(t, nil)
	code, out, errOut := w.runAuth()
	if code != ExitOK {
		t.Fatalf("auth: exit %d\n%s\n%s", code, out, errOut)
	}
	file := filepath.Join(w.dir, ".local", "state", "imapdir", "oauth2-work.json")
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v", st, err)
	}
	if !strings.Contains(out, "Signed in to account work") || !strings.Contains(out, "Logged in to 127.0.0.1 as me@gmail.com") {
		t.Errorf("auth output: %q", out)
	}
	code, lout, lerr := w.run("-vvv", "list", "work")
	if code != ExitOK || !strings.Contains(lout, "[Gmail]/All Mail") {
		t.Fatalf("list: exit %d\n%s\n%s", code, lout, lerr)
	}
	if !strings.Contains(lerr, "AUTHENTICATE XOAUTH2") {
		t.Errorf("-vvv shows no trace of the login:\n%s", lerr)
	}
	w.noTokenIn(out, errOut, lout, lerr)
}

func TestAuthDevice(t *testing.T) {
	w := newOAuthWorld(t, nil)
	w.prov.AutoApprove = true
	code, out, errOut := w.runAuth("--device")
	if code != ExitOK || !strings.Contains(out, "WDJB-MJHT") {
		t.Fatalf("auth --device: exit %d\n%s\n%s", code, out, errOut)
	}
	w.noTokenIn(out, errOut)
}

// TestRevokedSignIn: a refresh token the provider refuses gives one line
// that tells the user to run `imapdir auth work`.
func TestRevokedSignIn(t *testing.T) {
	w := newOAuthWorld(t, nil)
	if code, out, errOut := w.runAuth(); code != ExitOK {
		t.Fatalf("auth: exit %d\n%s\n%s", code, out, errOut)
	}
	w.prov.RevokeRefreshTokens()
	code, out, errOut := w.run("list", "work")
	if code == ExitOK {
		t.Fatal("list succeeded with a revoked sign-in")
	}
	t.Logf("stderr: %s", errOut)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "run `imapdir auth work`") {
		t.Errorf("want one line telling to run imapdir auth work, got:\n%s", errOut)
	}
	w.noTokenIn(out, errOut)
}

// TestTokenRefusedMidRun: the server stops accepting the access token
// (it expired early) between two connections of one run; the next login
// refreshes it and goes on, and nothing is shown to the user.
func TestTokenRefusedMidRun(t *testing.T) {
	w := newOAuthWorld(t, nil)
	if code, out, errOut := w.runAuth(); code != ExitOK {
		t.Fatalf("auth: exit %d\n%s\n%s", code, out, errOut)
	}
	cfg, err := config.Load(w.configPath, config.Env{Home: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := cfg.Account("work")
	var logBuf bytes.Buffer
	logs := Logs{Logger: newTestLogger(&logBuf), Trace: &logBuf}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	src, err := oauthSource(ctx, acct, logs)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	before := w.prov.Refreshes()
	for i := range 3 {
		c, err := dialAccount(ctx, acct, logs, nil, &n, src)
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer c.Close()
		w.prov.ExpireAccessTokens() // the token just used is dead for the next login
	}
	if got := w.prov.Refreshes() - before; got != 3 {
		t.Errorf("%d refreshes, want 3 (one per refused token)", got)
	}
	if strings.Contains(logBuf.String(), "level=WARN") || strings.Contains(logBuf.String(), "level=ERROR") {
		t.Errorf("the user was told:\n%s", logBuf.String())
	}
	w.noTokenIn(logBuf.String())
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestTokenExpiresMidSync: a whole sync against the Gmail double, at
// -vvv, whose access token expires right after the run's first login:
// the connections opened after that meet an expired token, refresh it and
// go on. The run succeeds, nothing but the normal output is shown, and no
// token appears in it.
func TestTokenExpiresMidSync(t *testing.T) {
	var armed atomic.Bool
	w := newOAuthWorld(t, func(p *oauthtest.Provider) func(string, string) bool {
		var once sync.Once
		return func(user, token string) bool {
			ok := p.ValidToken(user, token)
			if ok && armed.Load() {
				once.Do(p.ExpireAccessTokens)
			}
			return ok
		}
	})
	if code, out, errOut := w.runAuth(); code != ExitOK {
		t.Fatalf("auth: exit %d\n%s\n%s", code, out, errOut)
	}
	for i := range 20 {
		w.sim.Add(gmailsim.Message{Body: []byte(fmt.Sprintf("Message-ID: <%d@example.com>\nSubject: %d\n\nbody\n", i, i)),
			Labels: []string{`\Inbox`, "Work"}})
	}
	before := w.prov.Refreshes()
	armed.Store(true)
	code, out, errOut := w.runConcurrent("-vvv", "sync", "work")
	if code != ExitOK {
		t.Fatalf("sync: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "INBOX") || strings.Contains(errOut, "level=WARN") || strings.Contains(errOut, "level=ERROR") {
		t.Errorf("sync output:\n%s\n%s", out, errOut)
	}
	if got := w.prov.Refreshes() - before; got < 2 {
		t.Errorf("%d refreshes during the sync; want the first and one after the expiry", got)
	}
	if n := strings.Count(errOut, "AUTHENTICATIONFAILED"); n == 0 {
		t.Error("no login met an expired token: the test proves nothing")
	}
	w.noTokenIn(out, errOut)
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a run
// with several connections tracing at once (a terminal takes them as they
// come; a bytes.Buffer needs the lock).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runConcurrent is runReal with output buffers safe for concurrent writes.
func (w *oauthWorld) runConcurrent(args ...string) (int, string, string) {
	w.t.Helper()
	var out, errOut lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	app := &App{Stdout: &out, Stderr: &errOut, Now: func() time.Time { return fixedNow },
		Env: config.Env{Lookup: func(string) (string, bool) { return "", false }, Home: w.dir}}
	code := app.Run(ctx, append([]string{"--config", w.configPath}, args...))
	return code, out.String(), errOut.String()
}
