package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/internal/config"
)

// Redaction: every stream the command writes (stdout, stderr, the logs,
// the protocol trace, --json) passes through a redactor that knows the
// secrets of the run — passwords from the config, and the output of
// password_command / token_command as soon as the client has run it — in
// every form they were sent or may be echoed back in:
//
//   - as is;
//   - escaped inside a quoted string: IMAP's quoted form (\" and \\, what
//     LOGIN sends), JSON's (--json) and Go's (log values);
//   - base64 of the SASL initial responses imapdir sends (PLAIN's
//     NUL user NUL password, XOAUTH2's and OAUTHBEARER's strings) and of
//     the bare secret (AUTHENTICATE LOGIN).
//
// A form shorter than 8 bytes is not searched for: replacing every
// "test" in the output would mangle mailbox names and subjects and tell
// an onlooker the password. imapdir never prints a secret itself; what a
// server echoes in its answer to the login is scrubbed by the client
// (imapclient.ScrubSecret, whole tokens for short secrets), in the trace
// and in the error; and the base64 forms, longer, are still redacted here.

// redactMin is the length from which a form is redacted.
const redactMin = 8

// redactedText replaces a secret.
const redactedText = "[redacted]"

// redactor is an io.Writer that replaces the known secrets in what is
// written, before it reaches the terminal (see above). Each Write is
// redacted on its own: the writers above it write whole lines.
type redactor struct {
	w       io.Writer
	mu      sync.Mutex
	secrets [][]byte // every form, longest first
}

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// addForms registers forms, skipping empty and known ones.
func (r *redactor) addForms(forms []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range forms {
		if len(f) < redactMin || r.has(f) {
			continue
		}
		r.secrets = append(r.secrets, []byte(f))
	}
	// Longest first: a form that contains another is replaced whole.
	for i := 1; i < len(r.secrets); i++ {
		for j := i; j > 0 && len(r.secrets[j]) > len(r.secrets[j-1]); j-- {
			r.secrets[j], r.secrets[j-1] = r.secrets[j-1], r.secrets[j]
		}
	}
}

func (r *redactor) has(f string) bool {
	for _, s := range r.secrets {
		if string(s) == f {
			return true
		}
	}
	return false
}

// Write writes p with every secret replaced. It reports len(p) on success
// so callers see a complete write.
func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	out := p
	for _, s := range r.secrets {
		out = redactForm(out, s)
	}
	r.mu.Unlock()
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactForm replaces the occurrences of s in b.
func redactForm(b, s []byte) []byte {
	if !bytes.Contains(b, s) {
		return b
	}
	return bytes.ReplaceAll(b, s, []byte(redactedText))
}

// secretForms returns the forms of acct's secret that may appear in
// output: as is, escaped in IMAP, JSON and Go quoted strings, and base64
// of itself and of the SASL initial responses that carry it (PLAIN
// RFC 4616 §2, XOAUTH2, OAUTHBEARER RFC 7628 §3.1, as imapclient builds
// them).
func secretForms(acct *config.Account, secret string) []string {
	if secret == "" {
		return nil
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	saslName := strings.NewReplacer("=", "=3D", ",", "=2C").Replace
	bearer := "n,a=" + saslName(acct.User) + ",\x01"
	if acct.Host != "" {
		bearer += "host=" + acct.Host + "\x01"
	}
	if acct.Port != 0 {
		bearer += "port=" + strconv.Itoa(acct.Port) + "\x01"
	}
	return []string{
		secret, imapQuoted(secret), jsonQuoted(secret), goQuoted(secret),
		b64(secret),
		b64("\x00" + acct.User + "\x00" + secret),
		b64(fmt.Sprintf("user=%s\x01auth=Bearer %s\x01\x01", acct.User, secret)),
		b64(bearer + "auth=Bearer " + secret + "\x01\x01"),
	}
}

func imapQuoted(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func jsonQuoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func goQuoted(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// addSecret registers a secret learnt during the run with both streams.
func (st *runState) addSecret(acct *config.Account, secret string) {
	forms := secretForms(acct, secret)
	st.out.addForms(forms)
	st.err.addForms(forms)
}
