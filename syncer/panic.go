package syncer

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// syncPairSafe is syncPair with a Go panic on its goroutine turned into
// that mailbox's failure: reported with the mailbox's name (the stack goes
// to the Observer's Error, a debug log), the other mailboxes go on. The
// state stays consistent as after a crash: a transaction open at the panic
// is rolled back by statedb, and every effect already done was recorded
// as an intent first, which the next run resolves.
func (e *Engine) syncPairSafe(ctx context.Context, row statedb.Mailbox, ledger *moveLedger) (rep MailboxReport) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		name := nameOf(row)
		e.obs.Error(name, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		rep = MailboxReport{Mailbox: name, DryRun: e.opts.DryRun,
			Err: store.Errorf(store.ScopeMailbox, false, "sync", name, 0,
				"internal error (a bug; please report it with the output of -vv): panic: %v", p)}
		if ledger == nil || !ledger.pending(row.ID) {
			e.obs.MailboxDone(rep)
		}
	}()
	return e.syncPair(ctx, row, ledger)
}
