package imapclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Secret is a password or token, given as a value, a callback or a shell
// command whose standard output is the secret (one trailing newline
// removed), like `pass show mail/work`. A secret from Func or Command is
// fetched each time it is needed (every login, every reconnect) and not
// kept by the client afterwards.
type Secret struct {
	Value   string
	Func    func(ctx context.Context) (string, error)
	Command string // run as `sh -c Command`
}

// SecretString returns a Secret holding s.
func SecretString(s string) Secret { return Secret{Value: s} }

// SecretCommand returns a Secret read from the output of a shell command.
func SecretCommand(cmd string) Secret { return Secret{Command: cmd} }

// SecretFunc returns a Secret obtained from f.
func SecretFunc(f func(ctx context.Context) (string, error)) Secret { return Secret{Func: f} }

// errNoSecret is returned for an empty Secret.
var errNoSecret = errors.New("imapclient: no password or token given")

// Get returns the secret as bytes; the caller zeroes them after use.
func (s Secret) Get(ctx context.Context) ([]byte, error) {
	switch {
	case s.Command != "":
		return runSecretCommand(ctx, s.Command)
	case s.Func != nil:
		v, err := s.Func(ctx)
		var ce *SecretCommandError
		if errors.As(err, &ce) {
			return nil, err // already says what failed
		}
		if err != nil {
			return nil, fmt.Errorf("imapclient: password callback: %w", err)
		}
		return []byte(v), nil
	case s.Value != "":
		return []byte(s.Value), nil
	}
	return nil, errNoSecret
}

// SecretCommandError is a secret command that failed or printed nothing.
// It carries the command's exit error and the last non-empty line it
// wrote to stderr (at most 200 bytes): that line usually says why
// ("gpg: decryption failed: No secret key"), while earlier lines may be
// prompts or worse. The command's output is never kept.
type SecretCommandError struct {
	Command  string
	Err      error  // the exit error; nil when the command printed nothing
	LastLine string // last non-empty line of stderr, may be empty
}

// Reason is what went wrong, without the command: "(exit status 2):
// gpg: decryption failed" or "(printed nothing)".
func (e *SecretCommandError) Reason() string {
	r := "(printed nothing)"
	if e.Err != nil {
		r = "(" + e.Err.Error() + ")"
	}
	if e.LastLine != "" {
		r += ": " + e.LastLine
	}
	return r
}

func (e *SecretCommandError) Error() string {
	return fmt.Sprintf("imapclient: password command %q failed %s", e.Command, e.Reason())
}

func (e *SecretCommandError) Unwrap() error { return e.Err }

// runSecretCommand runs cmd with sh -c and returns its standard output
// without the final newline.
func runSecretCommand(ctx context.Context, cmd string) ([]byte, error) {
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		wipe(out.Bytes())
		return nil, &SecretCommandError{Command: cmd, Err: err, LastLine: lastLine(errb.Bytes())}
	}
	b := out.Bytes()
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, &SecretCommandError{Command: cmd, LastLine: lastLine(errb.Bytes())}
	}
	return b, nil
}

// lastLine is the last non-empty line of b, cut to 200 bytes, with
// control characters replaced so that it stays one line.
func lastLine(b []byte) string {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	l := bytes.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = append(l[:200:200], "…"...)
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, string(l))
}

// wipe overwrites b with zeros.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
