package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// errNotWired is returned by a backend whose package is not part of this
// build yet.
var errNotWired = errors.New("not available in this build yet")

// connectIMAP dials and logs in to acct's server (imapclient).
func connectIMAP(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response)) (Session, error) {
	return nil, fmt.Errorf("account %s: IMAP connection: %w", acct.Name, errNotWired)
}

// openIMAPStore opens acct's server as a store (store/imapstore).
func openIMAPStore(ctx context.Context, acct *config.Account, logs Logs) (store.Store, error) {
	return nil, fmt.Errorf("account %s: IMAP store: %w", acct.Name, errNotWired)
}

// openMaildirStore opens acct's Maildir as a store (store/maildirstore).
func openMaildirStore(ctx context.Context, acct *config.Account, root string, db *statedb.DB, logs Logs) (store.Store, error) {
	return nil, fmt.Errorf("account %s: Maildir store: %w", acct.Name, errNotWired)
}
