package imapclient

import (
	"bytes"
	"errors"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/imap"
)

// A server may echo the secret in its answer to a login ("NO bad
// password: hunter2"). While LOGIN or AUTHENTICATE runs, the client knows
// the secret it sent, so it scrubs it from the server's text in the two
// places that text goes: the trace's "S: " lines and the error returned.
// A secret of scrubMin bytes or more is replaced wherever it appears; a
// shorter one only as a whole token (after the start, white space or one
// of "'([<{,;:= and before the end, white space, one of "')]>},;: or a
// sentence-ending . ! ?), so that a password "test" is hidden in "bad
// password: test" without turning "mail.example.test" into nonsense that
// tells an onlooker the password. Text outside the login exchange is not
// searched: the client never sends the secret elsewhere.

// scrubMin is the length from which a secret is scrubbed anywhere.
const scrubMin = 8

// ScrubbedText replaces a scrubbed secret.
const ScrubbedText = "[redacted]"

// scrubber holds the secret of the login running now, if any.
type scrubber struct {
	mu     sync.Mutex
	secret []byte // a copy, wiped when the login ends
}

// during makes s scrub secret until the returned function runs; it keeps
// its own copy and wipes it then.
func (s *scrubber) during(secret []byte) func() {
	if s == nil || len(secret) == 0 {
		return func() {}
	}
	s.mu.Lock()
	s.secret = bytes.Clone(secret)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		wipe(s.secret)
		s.secret = nil
		s.mu.Unlock()
	}
}

// text scrubs the current secret from t.
func (s *scrubber) text(t string) string {
	if s == nil {
		return t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return ScrubSecret(t, s.secret)
}

// ScrubSecret returns text with secret replaced by ScrubbedText under the
// rule above. Programs that print server text themselves can use it.
func ScrubSecret(text string, secret []byte) string {
	if len(secret) == 0 || !strings.Contains(text, string(secret)) {
		return text
	}
	if len(secret) >= scrubMin {
		return strings.ReplaceAll(text, string(secret), ScrubbedText)
	}
	var b strings.Builder
	rest := 0
	for {
		i := strings.Index(text[rest:], string(secret))
		if i < 0 {
			b.WriteString(text[rest:])
			return b.String()
		}
		i += rest
		end := i + len(secret)
		if tokenStart(text, i) && tokenEnd(text, end) {
			b.WriteString(text[rest:i])
			b.WriteString(ScrubbedText)
		} else {
			b.WriteString(text[rest:end])
		}
		rest = end
	}
}

// tokenStart reports whether a token may start at s[i].
func tokenStart(s string, i int) bool {
	return i == 0 || isSpace(s[i-1]) || strings.IndexByte(`"'([<{,;:=`, s[i-1]) >= 0
}

// tokenEnd reports whether a token may end before s[i].
func tokenEnd(s string, i int) bool {
	switch {
	case i == len(s) || isSpace(s[i]) || strings.IndexByte(`"')]>},;:`, s[i]) >= 0:
		return true
	case strings.IndexByte(".!?", s[i]) >= 0:
		return i+1 == len(s) || isSpace(s[i+1]) || s[i+1] == '"'
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// err scrubs the current secret from the server text an error carries
// (the response text and string arguments of its code), before the
// error is wrapped.
func (s *scrubber) err(err error) {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	secret := s.secret
	if len(secret) == 0 {
		return
	}
	ie.Text = ScrubSecret(ie.Text, secret)
	for i, v := range ie.CodeArgs {
		switch v := v.(type) {
		case imap.Str:
			ie.CodeArgs[i] = imap.Str(ScrubSecret(string(v), secret))
		case imap.Atom:
			ie.CodeArgs[i] = imap.Atom(ScrubSecret(string(v), secret))
		}
	}
}

// saslSecret is the secret inside the initial response of the
// mechanisms this package implements: PLAIN's password (after the last
// NUL), the bearer token of XOAUTH2 and OAUTHBEARER. Nil for others.
func saslSecret(mech string, ir []byte) []byte {
	switch mech {
	case "PLAIN":
		if i := bytes.LastIndexByte(ir, 0); i >= 0 {
			return ir[i+1:]
		}
	case "XOAUTH2", "OAUTHBEARER":
		if _, tok, ok := bytes.Cut(ir, []byte("auth=Bearer ")); ok {
			tok, _, _ = bytes.Cut(tok, []byte{1})
			return tok
		}
	}
	return nil
}
