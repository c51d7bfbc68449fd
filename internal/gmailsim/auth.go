package gmailsim

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Gmail's refusals, as it words them.
const (
	textBadCreds = "[AUTHENTICATIONFAILED] Invalid credentials (Failure)"
	textTooMany  = "[ALERT] Too many simultaneous connections. (Failure)"
)

func (s *session) cmdLogin(args []tok) error {
	if s.authed {
		return bad("already logged in")
	}
	if len(args) != 2 {
		return bad("LOGIN user password")
	}
	user, _ := args[0].text()
	pass, _ := args[1].text()
	return s.logIn(user, s.srv.opts.AppPassword != "" && pass == s.srv.opts.AppPassword)
}

// cmdAuthenticate runs PLAIN (app password), XOAUTH2 or OAUTHBEARER, with
// or without an initial response (SASL-IR, RFC 4959).
func (s *session) cmdAuthenticate(args []tok) error {
	if s.authed {
		return bad("already logged in")
	}
	if len(args) < 1 {
		return bad("AUTHENTICATE mechanism")
	}
	mech := strings.ToUpper(args[0].atom)
	if mech != "PLAIN" && mech != "XOAUTH2" && mech != "OAUTHBEARER" {
		return no("[CANNOT] mechanism %s not modeled", mech)
	}
	var ir string
	if len(args) > 1 {
		ir = args[1].atom
	} else {
		line, err := s.challenge("")
		if err != nil {
			return err
		}
		ir = line
	}
	if ir == "*" {
		return bad("authentication canceled")
	}
	var raw []byte
	if ir != "=" { // RFC 4959 §3: "=" is an empty initial response
		var err error
		if raw, err = base64.StdEncoding.DecodeString(ir); err != nil {
			return bad("invalid base64")
		}
	}
	user, secret, ok := parseSASL(mech, raw)
	if mech == "PLAIN" {
		return s.logIn(user, ok && s.srv.opts.AppPassword != "" && secret == s.srv.opts.AppPassword)
	}
	valid := ok && s.srv.opts.ValidToken != nil && s.srv.opts.ValidToken(user, secret)
	if !valid {
		// RFC 7628 §3.2.2 / Google's XOAUTH2 page: the failure comes as a
		// JSON challenge, answered by the client, then NO.
		js := `{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`
		if mech == "OAUTHBEARER" {
			js = `{"status":"invalid_token","schemes":"bearer","scope":"https://mail.google.com/"}`
		}
		if _, err := s.challenge(base64.StdEncoding.EncodeToString([]byte(js))); err != nil {
			return err
		}
	}
	return s.logIn(user, valid)
}

// challenge sends "+ text" and reads the client's answer line.
func (s *session) challenge(text string) (string, error) {
	s.line("+ %s", text)
	if err := s.flush(); err != nil {
		return "", err
	}
	return readLine(s.r)
}

func (s *session) logIn(user string, good bool) error {
	if !good || !strings.EqualFold(user, s.srv.opts.User) {
		return no("%s", textBadCreds)
	}
	if !s.srv.login() {
		return no("%s", textTooMany)
	}
	s.authed = true
	s.line("* CAPABILITY %s", capsLoggedIn)
	return okCode("%s authenticated (Success)", s.srv.opts.User)
}

// parseSASL reads the user and the secret from a client response:
// PLAIN authzid NUL authcid NUL passwd (RFC 4616); XOAUTH2
// "user=U^Aauth=Bearer T^A^A" (Google); OAUTHBEARER
// "n,a=U,^A...auth=Bearer T^A^A" (RFC 7628 §3.1).
func parseSASL(mech string, raw []byte) (user, secret string, ok bool) {
	if mech == "PLAIN" {
		parts := bytes.Split(raw, []byte{0})
		if len(parts) != 3 {
			return "", "", false
		}
		return string(parts[1]), string(parts[2]), true
	}
	fields := strings.Split(string(raw), "\x01")
	for i, f := range fields {
		switch {
		case mech == "XOAUTH2" && strings.HasPrefix(f, "user="):
			user = f[len("user="):]
		case mech == "OAUTHBEARER" && i == 0:
			for _, p := range strings.Split(f, ",") {
				if a, ok := strings.CutPrefix(p, "a="); ok {
					user = strings.NewReplacer("=2C", ",", "=3D", "=").Replace(a)
				}
			}
		case strings.HasPrefix(f, "auth=Bearer "):
			secret = f[len("auth=Bearer "):]
		}
	}
	return user, secret, user != "" && secret != ""
}
