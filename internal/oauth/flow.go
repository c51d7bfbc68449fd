package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Authorize runs the authorization-code flow with PKCE (RFC 7636, S256)
// and a loopback redirect (RFC 8252 §7.3): it listens on 127.0.0.1 at a
// port chosen by the system, prints the URL to open to out, waits for the
// browser to come back with the code, and trades it for tokens. ctx
// bounds the wait.
func Authorize(ctx context.Context, conf *oauth2.Config, out io.Writer) (*oauth2.Token, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	c := *conf
	c.RedirectURL = "http://" + ln.Addr().String() + "/"
	state := randomString()
	verifier := oauth2.GenerateVerifier()
	url := c.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.ApprovalForce, oauth2.S256ChallengeOption(verifier))
	fmt.Fprintf(out, "Open this address in a browser and sign in:\n\n  %s\n\nWaiting for the browser to come back to %s …\n", url, c.RedirectURL)

	codes := make(chan callback, 1)
	srv := &http.Server{Handler: callbackHandler(state, codes), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer shutdown(srv)
	select {
	case cb := <-codes:
		if cb.err != nil {
			return nil, cb.err
		}
		tok, err := c.Exchange(ctx, cb.code, oauth2.VerifierOption(verifier))
		if err != nil {
			return nil, fmt.Errorf("oauth: trading the code for tokens: %w", redact(err))
		}
		return tok, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth: no answer from the browser: %w", ctx.Err())
	}
}

type callback struct {
	code string
	err  error
}

// callbackHandler takes the one redirect that carries our state and
// answers the browser with a short page.
func callbackHandler(state string, codes chan<- callback) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("state") != state {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		var cb callback
		switch {
		case q.Get("error") != "":
			cb.err = fmt.Errorf("oauth: sign-in refused: %s", q.Get("error"))
		case q.Get("code") == "":
			cb.err = errors.New("oauth: the redirect carried no code")
		default:
			cb.code = q.Get("code")
		}
		select {
		case codes <- cb:
		default:
		}
		msg := "Signed in. You can close this page and return to imapdir."
		if cb.err != nil {
			msg = cb.err.Error()
		}
		fmt.Fprintf(w, "<!doctype html><title>imapdir</title><p>%s</p>\n", html.EscapeString(msg))
	})
}

// Device runs the device-code flow (RFC 8628): it prints where to go and
// the code to enter, then polls the token endpoint until the user has
// signed in or ctx ends.
func Device(ctx context.Context, conf *oauth2.Config, out io.Writer) (*oauth2.Token, error) {
	if conf.Endpoint.DeviceAuthURL == "" {
		return nil, errors.New("oauth: this provider has no device_url; sign in without --device")
	}
	resp, err := conf.DeviceAuth(ctx, oauth2.AccessTypeOffline)
	if err != nil {
		return nil, fmt.Errorf("oauth: device authorization: %w", redact(err))
	}
	where := resp.VerificationURI
	if resp.VerificationURIComplete != "" {
		where = resp.VerificationURIComplete
	}
	fmt.Fprintf(out, "On any device, open %s and enter the code %s\nWaiting for the sign-in …\n", where, resp.UserCode)
	tok, err := conf.DeviceAccessToken(ctx, resp)
	if err != nil {
		return nil, fmt.Errorf("oauth: device sign-in: %w", redact(err))
	}
	return tok, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// shutdown lets the browser's request finish (its page) before the
// listener goes, within a few seconds.
func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		srv.Close()
	}
}
