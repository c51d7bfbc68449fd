// Package oauthtest is a fake OAuth 2 provider on 127.0.0.1 for tests:
// an authorization endpoint that signs the user in at once and redirects
// with a code, a token endpoint (authorization code with PKCE S256,
// refresh token, device code) and a device authorization endpoint. It
// issues opaque tokens and says which access tokens are valid, so that a
// test IMAP server (gmailsim) can check them.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// Provider is the fake provider.
type Provider struct {
	srv *http.Server
	ln  net.Listener

	// Set before use:
	TTL         int  // expires_in of access tokens, seconds (default 3600)
	Rotate      bool // hand out a new refresh token at every refresh
	AutoApprove bool // device codes are approved as soon as issued

	mu        sync.Mutex
	codes     map[string]grant // authorization code → its grant
	devices   map[string]bool  // device code → approved
	refresh   map[string]bool  // refresh token → still valid
	access    map[string]bool  // access token → still valid
	refreshes int              // refresh grants served
}

// Refreshes returns how many refresh grants were served.
func (p *Provider) Refreshes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshes
}

type grant struct{ challenge, redirect string }

// Start listens on 127.0.0.1.
func Start() (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Provider{ln: ln, codes: map[string]grant{}, devices: map[string]bool{},
		refresh: map[string]bool{}, access: map[string]bool{}, TTL: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", p.authorize)
	mux.HandleFunc("/token", p.token)
	mux.HandleFunc("/device", p.device)
	p.srv = &http.Server{Handler: mux}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops the server.
func (p *Provider) Close() error { return p.srv.Close() }

// URL returns the base URL; endpoints are URL()+"/authorize", "/token",
// "/device".
func (p *Provider) URL() string { return "http://" + p.ln.Addr().String() }

// ValidToken reports whether token is an access token issued and not
// expired: the check an IMAP server makes.
func (p *Provider) ValidToken(_, token string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.access[token]
}

// ExpireAccessTokens makes every access token issued so far invalid, as
// the passing of their lifetime would.
func (p *Provider) ExpireAccessTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.access)
}

// RevokeRefreshTokens makes every refresh token invalid (the user revoked
// the access, or changed the password).
func (p *Provider) RevokeRefreshTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.refresh)
}

// Issued returns every token handed out so far (for output checks).
func (p *Provider) Issued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for t := range p.access {
		out = append(out, t)
	}
	for t := range p.refresh {
		out = append(out, t)
	}
	return out
}

// authorize signs the user in at once: redirect to redirect_uri with a
// code bound to the PKCE challenge (RFC 7636 §4.3).
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "want response_type=code with a S256 code_challenge", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Hostname() != "127.0.0.1" {
		http.Error(w, "redirect_uri must be on 127.0.0.1", http.StatusBadRequest)
		return
	}
	code := random()
	p.mu.Lock()
	p.codes[code] = grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	p.mu.Unlock()
	v := redirect.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *Provider) device(w http.ResponseWriter, r *http.Request) {
	d := random()
	p.mu.Lock()
	p.devices[d] = p.AutoApprove
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"device_code": d, "user_code": "WDJB-MJHT",
		"verification_uri": p.URL() + "/activate", "expires_in": 600, "interval": 1})
}

// token serves the grants of RFC 6749 §4.1.3 (with RFC 7636 §4.5), §6
// and RFC 8628 §3.4.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || r.PostForm.Get("redirect_uri") != g.redirect {
			oauthError(w, "invalid_grant")
			return
		}
		p.issue(w, true)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !p.refresh[rt] {
			oauthError(w, "invalid_grant")
			return
		}
		p.refreshes++
		if p.Rotate {
			delete(p.refresh, rt)
		}
		p.issue(w, p.Rotate)
	case "urn:ietf:params:oauth:grant-type:device_code":
		approved, ok := p.devices[r.PostForm.Get("device_code")]
		switch {
		case !ok:
			oauthError(w, "invalid_grant")
		case !approved:
			oauthError(w, "authorization_pending")
		default:
			delete(p.devices, r.PostForm.Get("device_code"))
			p.issue(w, true)
		}
	default:
		oauthError(w, "unsupported_grant_type")
	}
}

// issue answers with a new access token and, when withRefresh, a new
// refresh token. The caller holds p.mu.
func (p *Provider) issue(w http.ResponseWriter, withRefresh bool) {
	at := "ya29." + random()
	p.access[at] = true
	body := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": p.TTL}
	if withRefresh {
		rt := "1//" + random()
		p.refresh[rt] = true
		body["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, body)
}

func oauthError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": code, "error_description": "fake provider: " + code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// IssueForTest returns a new valid refresh token, as a finished sign-in
// would have left.
func (p *Provider) IssueForTest() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	rt := "1//" + random()
	p.refresh[rt] = true
	return rt
}
