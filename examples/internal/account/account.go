// Package account holds the connection flags the example programs share:
// server address, user, a command that prints the password, and a CA file.
package account

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/imapdir/imapdir/imapclient"
)

// Flags are the connection flags.
type Flags struct {
	Addr    string
	User    string
	PassCmd string
	CAFile  string
	Trace   bool
}

// Register adds the flags to fs.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Addr, "addr", "", "server host:port, implicit TLS (e.g. imap.example.org:993)")
	fs.StringVar(&f.User, "user", "", "login name")
	fs.StringVar(&f.PassCmd, "pass-cmd", "", "shell command printing the password (e.g. 'pass show mail')")
	fs.StringVar(&f.CAFile, "ca", "", "PEM file of the CA to trust instead of the system's")
	fs.BoolVar(&f.Trace, "trace", false, "print the protocol trace (secrets redacted) on stderr")
	return f
}

// Options returns the dial options the flags ask for.
func (f *Flags) Options() (imapclient.Options, error) {
	if f.Addr == "" || f.User == "" || f.PassCmd == "" {
		return imapclient.Options{}, fmt.Errorf("-addr, -user and -pass-cmd are needed")
	}
	o := imapclient.Options{CAFile: f.CAFile}
	if f.Trace {
		o.TraceWriter = os.Stderr
	}
	return o, nil
}

// Credentials returns the login credentials.
func (f *Flags) Credentials() imapclient.Credentials {
	return imapclient.Credentials{Username: f.User, Secret: imapclient.SecretCommand(f.PassCmd)}
}

// Dial connects and logs in, with handler receiving what the server
// pushes (nil: nothing).
func (f *Flags) Dial(ctx context.Context, handler func(imapclient.Event)) (*imapclient.Client, error) {
	o, err := f.Options()
	if err != nil {
		return nil, err
	}
	o.Handler = handler
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	c, err := imapclient.Dial(ctx, f.Addr, &o)
	if err != nil {
		return nil, err
	}
	if err := c.Auth(ctx, f.Credentials()); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
