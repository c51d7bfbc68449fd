package cli

import (
	"context"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Session is the part of one logged-in IMAP connection that the raw and
// list commands use.
type Session interface {
	// Command sends the command made of args and returns the untagged
	// responses it produced and its tagged completion; a tagged NO or BAD
	// is returned with an error wrapping *imap.Error.
	Command(ctx context.Context, args ...imap.Value) (untagged []*imap.Response, tagged *imap.Response, err error)
	// Caps returns the server's capabilities.
	Caps() imap.CapSet
	// Idle keeps the connection in IDLE (RFC 2177), so that the server
	// pushes changes, until ctx ends; a Command meanwhile ends the IDLE,
	// runs, and the IDLE resumes.
	Idle(ctx context.Context) error
	// Close ends the connection.
	Close() error
}

// Backends opens what a run talks to. Each field is one plug point; a nil
// field means the real implementation (see wiring.go). Tests put in-memory
// stores here.
type Backends struct {
	// Connect dials and logs in one connection to acct's server.
	// push, when not nil, receives unilateral server data (RFC 9051 §7).
	Connect func(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response)) (Session, error)
	// Far opens the far store (the IMAP server) of acct.
	Far func(ctx context.Context, acct *config.Account, logs Logs) (store.Store, error)
	// Near opens the near store of acct: the Maildir at root, its UIDs kept
	// in db.
	Near func(ctx context.Context, acct *config.Account, root string, db *statedb.DB, logs Logs) (store.Store, error)
}

func (b Backends) withDefaults() Backends {
	if b.Connect == nil {
		b.Connect = connectIMAP
	}
	if b.Far == nil {
		b.Far = openIMAPStore
	}
	if b.Near == nil {
		b.Near = openMaildirStore
	}
	return b
}
