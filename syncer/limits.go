package syncer

import (
	"context"
	"fmt"
	"strconv"

	"github.com/imapdir/imapdir/statedb"
)

// New messages left out by max_size or max_age are not paired, and a scan
// from a checkpoint never reports them again: once the limits change, only
// a full listing finds them. The limits in effect when a mailbox last
// skipped a message for them are kept in the state (meta, per mailbox);
// a run under other limits lists both sides in full, so that a message the
// new limits allow is copied without --full.

// skipLimitsKey is the meta key of mailbox id's recorded limits.
func skipLimitsKey(id statedb.MailboxID) string {
	return "syncer.skiplimits." + strconv.FormatInt(int64(id), 10)
}

// limitsString is the recorded form of the limits in opts.
func limitsString(opts PlanOptions) string {
	return fmt.Sprintf("max_size=%d max_age=%d", max(opts.MaxSize, 0), max(int64(opts.MaxAge), 0))
}

// loadSkipLimits reads the recorded limits and sets r.limitsChanged when
// messages were skipped under limits other than this run's.
func (r *mailboxRun) loadSkipLimits(ctx context.Context) error {
	var v string
	var found bool
	err := r.e.db.View(ctx, func(tx *statedb.Tx) (err error) {
		v, found, err = tx.Meta(skipLimitsKey(r.row.ID))
		return err
	})
	r.limitsChanged = found && v != limitsString(r.planOpts())
	return err
}

// saveSkipLimits records this run's limits when it skipped a message for
// them, or when it listed in full because they changed and carried new
// messages both ways (a run restricted to one direction leaves the record,
// so a later run still lists the other side in full).
func (r *mailboxRun) saveSkipLimits(ctx context.Context) error {
	skipped := false
	for _, s := range r.rep.Skipped {
		skipped = skipped || s.Reason == SkipTooLarge || s.Reason == SkipTooOld
	}
	opts := r.planOpts()
	relisted := r.limitsChanged && opts.Sync.allows(Far, SyncNew) && opts.Sync.allows(Near, SyncNew)
	if r.e.opts.DryRun || !(skipped || relisted) || (r.limitsChanged && !relisted) {
		return nil
	}
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		return tx.SetMeta(skipLimitsKey(r.row.ID), limitsString(opts))
	})
}
