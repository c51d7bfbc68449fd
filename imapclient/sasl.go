package imapclient

import (
	"context"
	"fmt"
	"strconv"
)

// SASL is a client SASL mechanism for AUTHENTICATE (RFC 9051 §6.2.2,
// RFC 4422).
type SASL interface {
	// Mechanism returns the name, e.g. "PLAIN".
	Mechanism() string
	// Start returns the initial response (nil for none; empty non-nil for
	// an empty one). It may fetch the secret; ctx bounds that.
	Start(ctx context.Context) ([]byte, error)
	// Next answers a server challenge (decoded from base64).
	Next(challenge []byte) ([]byte, error)
}

// PlainAuth is SASL PLAIN (RFC 4616): authorization identity (usually
// empty), user name and password.
type PlainAuth struct {
	Identity, Username string
	Password           Secret
}

// Mechanism returns "PLAIN".
func (*PlainAuth) Mechanism() string { return "PLAIN" }

// Start returns authzid NUL authcid NUL passwd (RFC 4616 §2).
func (a *PlainAuth) Start(ctx context.Context) ([]byte, error) {
	pw, err := a.Password.Get(ctx)
	if err != nil {
		return nil, err
	}
	defer wipe(pw)
	ir := make([]byte, 0, len(a.Identity)+len(a.Username)+len(pw)+2)
	ir = append(append(append(append(append(ir, a.Identity...), 0), a.Username...), 0), pw...)
	return ir, nil
}

// Next refuses challenges: PLAIN has none.
func (*PlainAuth) Next([]byte) ([]byte, error) {
	return nil, fmt.Errorf("imapclient: PLAIN: unexpected server challenge")
}

// XOAuth2 is Google's and Microsoft's XOAUTH2 mechanism: user name and
// OAuth 2 access token. When the server refuses the token it sends a JSON
// error as a challenge; the client answers with an empty response and the
// server then completes with NO.
type XOAuth2 struct {
	Username string
	Token    Secret
	// Challenge, when set, receives the server's error challenge (JSON).
	Challenge func([]byte)
}

// Mechanism returns "XOAUTH2".
func (*XOAuth2) Mechanism() string { return "XOAUTH2" }

// Start returns "user=" user ^A "auth=Bearer " token ^A ^A.
func (a *XOAuth2) Start(ctx context.Context) ([]byte, error) {
	tok, err := a.Token.Get(ctx)
	if err != nil {
		return nil, err
	}
	defer wipe(tok)
	return fmt.Appendf(nil, "user=%s\x01auth=Bearer %s\x01\x01", a.Username, tok), nil
}

// Next answers the error challenge with an empty response.
func (a *XOAuth2) Next(ch []byte) ([]byte, error) {
	if a.Challenge != nil {
		a.Challenge(ch)
	}
	return []byte{}, nil
}

// OAuthBearer is OAUTHBEARER (RFC 7628): user name, OAuth 2 bearer token
// and, optionally, the host and port the client connected to.
type OAuthBearer struct {
	Username string
	Token    Secret
	Host     string
	Port     int
	// Challenge, when set, receives the server's error challenge (JSON,
	// RFC 7628 §3.2.2).
	Challenge func([]byte)
}

// Mechanism returns "OAUTHBEARER".
func (*OAuthBearer) Mechanism() string { return "OAUTHBEARER" }

// Start returns the client response of RFC 7628 §3.1:
// gs2-header kvsep *(key=value kvsep) kvsep, kvsep = %x01.
func (a *OAuthBearer) Start(ctx context.Context) ([]byte, error) {
	tok, err := a.Token.Get(ctx)
	if err != nil {
		return nil, err
	}
	defer wipe(tok)
	b := fmt.Appendf(nil, "n,a=%s,\x01", saslName(a.Username))
	if a.Host != "" {
		b = fmt.Appendf(b, "host=%s\x01", a.Host)
	}
	if a.Port != 0 {
		b = append(append(b, "port="+strconv.Itoa(a.Port)...), 1)
	}
	b = fmt.Appendf(b, "auth=Bearer %s\x01\x01", tok)
	return b, nil
}

// Next answers the error challenge with the single byte %x01, after which
// the server fails the exchange (RFC 7628 §3.2.3).
func (a *OAuthBearer) Next(ch []byte) ([]byte, error) {
	if a.Challenge != nil {
		a.Challenge(ch)
	}
	return []byte{1}, nil
}

// saslName escapes "," and "=" in a gs2 authzid (RFC 5801 §4).
func saslName(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			out = append(out, "=2C"...)
		case '=':
			out = append(out, "=3D"...)
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}
