package syncer

import (
	"context"
	"sync"

	"github.com/imapdir/imapdir/statedb"
)

// moveLedger is the account-level record of moves between mailboxes (see
// account.go). Placeholder until moves are matched.
type moveLedger struct {
	mu sync.Mutex
}

// newMoveLedger returns the ledger of one run over rows.
func newMoveLedger(e *Engine, rows []statedb.Mailbox) *moveLedger { return &moveLedger{} }

// finish carries out the moves once every mailbox pass is done.
func (l *moveLedger) finish(ctx context.Context) error { return nil }

// claim takes the moves out of a mailbox's planner input.
func (l *moveLedger) claim(r *mailboxRun, in *MailboxInput) {}

// pending reports whether moves touching mailbox mb are still to be done.
func (l *moveLedger) pending(mb statedb.MailboxID) bool { return false }

// recoverMove resolves a pending move intent.
func (r *mailboxRun) recoverMove(ctx context.Context, in statedb.Intent) error {
	return r.e.update(ctx, func(tx *statedb.Tx) error { return tx.DropIntent(in.ID) })
}
