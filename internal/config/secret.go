package config

import (
	"fmt"
	"log/slog"
)

// redacted is what every formatting of a non-empty Secret prints.
const redacted = "[redacted]"

// Secret holds a password. Its value comes out only through Reveal: every
// fmt verb, String, GoString, slog and JSON/text marshalling print
// "[redacted]" (or "" when empty), so a Secret inside a logged or printed
// struct never leaks.
type Secret struct {
	v string
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret itself; call it only where the password is sent.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s.v == "" }

func (s Secret) mask() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// String returns "[redacted]", or "" when empty.
func (s Secret) String() string { return s.mask() }

// GoString returns a redacted Go form (for %#v).
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.mask()) }

// Format implements fmt.Formatter so that every verb (%x, %q, %v …) is redacted.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.mask())
		return
	}
	fmt.Fprint(f, s.mask())
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.mask()) }

// MarshalText implements encoding.TextMarshaler (used by JSON and TOML encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }
