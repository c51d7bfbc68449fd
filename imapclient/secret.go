package imapclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
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
		if err != nil {
			return nil, fmt.Errorf("imapclient: password callback: %w", err)
		}
		return []byte(v), nil
	case s.Value != "":
		return []byte(s.Value), nil
	}
	return nil, errNoSecret
}

// runSecretCommand runs cmd with sh -c and returns its standard output
// without the final newline. Its stderr is included in a failure (it
// should not hold the secret); its output never is.
func runSecretCommand(ctx context.Context, cmd string) ([]byte, error) {
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		wipe(out.Bytes())
		return nil, fmt.Errorf("imapclient: password command %q failed: %w (stderr: %q)", cmd, err, bytes.TrimSpace(errb.Bytes()))
	}
	b := out.Bytes()
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("imapclient: password command %q printed nothing", cmd)
	}
	return b, nil
}

// wipe overwrites b with zeros.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
