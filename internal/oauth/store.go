package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/imapdir/imapdir/internal/config"
)

// Store keeps an account's refresh token.
type Store interface {
	// Load returns the refresh token; an error wrapping fs.ErrNotExist
	// when there is none yet.
	Load(ctx context.Context) (string, error)
	// Save replaces it.
	Save(ctx context.Context, refresh string) error
}

// NewStore returns the account's store: its commands when the oauth2
// table names them, else a FileStore at its TokenFile.
func NewStore(acct *config.Account) (Store, error) {
	o := acct.OAuth2
	switch {
	case o == nil:
		return nil, fmt.Errorf("account %s has no [oauth2] table", acct.Name)
	case o.RefreshTokenCommand != "":
		return CommandStore{Load_: o.RefreshTokenCommand, Save_: o.StoreRefreshTokenCommand}, nil
	case o.TokenFile == "":
		return nil, errors.New("oauth: neither XDG_STATE_HOME nor the home directory is known: nowhere to keep the refresh token")
	}
	return FileStore{Path: o.TokenFile}, nil
}

// FileStore keeps the refresh token in a JSON file of mode 0600 (its
// directory 0700), replaced atomically.
type FileStore struct{ Path string }

type fileToken struct {
	RefreshToken string `json:"refresh_token"`
}

// Load implements Store.
func (f FileStore) Load(context.Context) (string, error) {
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return "", err
	}
	var t fileToken
	if err := json.Unmarshal(b, &t); err != nil || t.RefreshToken == "" {
		return "", fmt.Errorf("oauth: %s holds no refresh token; run imapdir auth again", f.Path)
	}
	return t.RefreshToken, nil
}

// Save implements Store: write a temporary file 0600, fsync, rename.
func (f FileStore) Save(_ context.Context, refresh string) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(fileToken{RefreshToken: refresh})
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".oauth2-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}

// CommandStore keeps the refresh token through two shell commands: Load_
// prints it, Save_ reads a new one on standard input.
type CommandStore struct{ Load_, Save_ string }

// Load implements Store.
func (c CommandStore) Load(ctx context.Context) (string, error) {
	b, err := runCommand(ctx, c.Load_, nil)
	if err != nil {
		return "", fmt.Errorf("oauth: refresh_token_command: %w", err)
	}
	if len(b) == 0 {
		return "", fmt.Errorf("oauth: refresh_token_command printed nothing: %w", fs.ErrNotExist)
	}
	return string(b), nil
}

// Save implements Store.
func (c CommandStore) Save(ctx context.Context, refresh string) error {
	if _, err := runCommand(ctx, c.Save_, strings.NewReader(refresh+"\n")); err != nil {
		return fmt.Errorf("oauth: store_refresh_token_command: %w", err)
	}
	return nil
}

// runCommand runs cmd with sh -c and returns its standard output without
// the final newline. A failure reports the exit status and stderr, never
// the output (a secret).
func runCommand(ctx context.Context, cmd string, stdin io.Reader) ([]byte, error) {
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stdin, c.Stdout, c.Stderr = stdin, &out, &errb
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("%q failed: %w (stderr: %q)", cmd, err, bytes.TrimSpace(errb.Bytes()))
	}
	return bytes.TrimRight(out.Bytes(), "\r\n"), nil
}
