package cli

import (
	"bytes"
	"io"
	"sync"
)

// redactor is an io.Writer that replaces known secrets (passwords from the
// configuration) with "[redacted]" before they reach the terminal: a
// second line of defence behind the client's own trace redaction, for
// anything that might echo a password (a server's error text, a trace).
type redactor struct {
	w       io.Writer
	mu      sync.Mutex
	secrets [][]byte
}

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// add registers a secret; empty and very short ones (which would redact
// ordinary words) are ignored.
func (r *redactor) add(secret string) {
	if len(secret) < 4 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, []byte(secret))
}

// Write writes p with every secret replaced. It reports len(p) on success
// so callers see a complete write.
func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("[redacted]"))
		}
	}
	r.mu.Unlock()
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
