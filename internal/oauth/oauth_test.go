package oauth_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/oauth"
	"github.com/imapdir/imapdir/internal/oauth/oauthtest"
)

func provider(t *testing.T) (*oauthtest.Provider, *oauth2.Config) {
	t.Helper()
	p, err := oauthtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	conf, err := oauth.Config(context.Background(), &config.OAuth2{ClientID: "imapdir-test",
		ClientSecretCommand: "echo s3cret", AuthURL: p.URL() + "/authorize", TokenURL: p.URL() + "/token",
		DeviceURL: p.URL() + "/device", Scopes: []string{"https://mail.google.com/"}})
	if err != nil {
		t.Fatal(err)
	}
	if conf.ClientSecret != "s3cret" {
		t.Fatalf("client secret from command: %q", conf.ClientSecret)
	}
	return p, conf
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestAuthorizePKCE drives the browser step with an HTTP client that
// follows the printed URL to the authorize endpoint and its redirect back
// to the loopback listener.
func TestAuthorizePKCE(t *testing.T) {
	p, conf := provider(t)
	pr, pw := io.Pipe()
	browsed := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u := strings.TrimSpace(sc.Text()); strings.HasPrefix(u, "http://") {
				resp, err := http.Get(u)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = errors.New(resp.Status)
					}
				}
				browsed <- err
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	tok, err := oauth.Authorize(ctxT(t), conf, pw)
	pw.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-browsed; err != nil {
		t.Fatalf("browser step: %v", err)
	}
	if tok.RefreshToken == "" || !p.ValidToken("", tok.AccessToken) {
		t.Errorf("token %+v not issued by the provider", tok.Type())
	}
}

func TestDevice(t *testing.T) {
	p, conf := provider(t)
	out := &strings.Builder{}
	p.AutoApprove = true // the user signs in as soon as the code is shown
	tok, err := oauth.Device(ctxT(t), conf, out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "WDJB-MJHT") || !p.ValidToken("", tok.AccessToken) {
		t.Errorf("output %q, token valid %v", out, p.ValidToken("", tok.AccessToken))
	}
}

func TestSourceRefreshesBeforeExpiry(t *testing.T) {
	p, conf := provider(t)
	store := oauth.FileStore{Path: filepath.Join(t.TempDir(), "state", "oauth2-work.json")}
	p.Rotate = true
	seed(t, p, conf, store)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src := &oauth.Source{Account: "work", Conf: conf, Store: store, Now: func() time.Time { return now }}
	a1, err := src.Token(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if a2, _ := src.Token(ctxT(t)); a2 != a1 || p.Refreshes() != 1 {
		t.Fatalf("second Token refreshed again (%d refreshes)", p.Refreshes())
	}
	now = now.Add(59 * time.Minute) // within the margin of the 1 h lifetime
	a3, err := src.Token(ctxT(t))
	if err != nil || a3 == a1 || !p.ValidToken("", a3) {
		t.Fatalf("near expiry: %v, same token %v", err, a3 == a1)
	}
	// The rotated refresh token was kept, mode 0600.
	st, err := os.Stat(store.Path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", st.Mode(), err)
	}
	src.Invalidate()
	if _, err := src.Token(ctxT(t)); err != nil {
		t.Fatalf("refresh with the rotated token: %v", err)
	}
}

func TestRevokedRefreshToken(t *testing.T) {
	p, conf := provider(t)
	store := oauth.FileStore{Path: filepath.Join(t.TempDir(), "oauth2-work.json")}
	seed(t, p, conf, store)
	p.RevokeRefreshTokens()
	src := &oauth.Source{Account: "work", Conf: conf, Store: store}
	_, err := src.Token(ctxT(t))
	var se *oauth.SignInError
	if !errors.Is(err, oauth.ErrSignInNeeded) || !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "imapdir auth work") {
		t.Errorf("message %q is not one line naming `imapdir auth work`", msg)
	}
	_, err = (&oauth.Source{Account: "new", Conf: conf, Store: oauth.FileStore{Path: filepath.Join(t.TempDir(), "none")}}).Token(ctxT(t))
	if !errors.Is(err, oauth.ErrSignInNeeded) || !strings.Contains(err.Error(), "imapdir auth new") {
		t.Errorf("no token stored: %v", err)
	}
}

func TestCommandStore(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "rt")
	s := oauth.CommandStore{Load_: "cat " + f, Save_: "cat > " + f}
	if err := s.Save(ctxT(t), "1//abc"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctxT(t)); err != nil || got != "1//abc" {
		t.Fatalf("Load = %q, %v", got, err)
	}
}

// seed signs in through the device flow and stores the refresh token.
func seed(t *testing.T, p *oauthtest.Provider, conf *oauth2.Config, store oauth.Store) {
	t.Helper()
	tok := p.IssueForTest()
	if err := store.Save(ctxT(t), tok); err != nil {
		t.Fatal(err)
	}
}
