package syncer

import (
	"context"
	"fmt"
	"strconv"

	"github.com/imapdir/imapdir/statedb"
)

// New messages left out by max_size or max_age (start_date) are not
// paired, and a scan from a checkpoint never reports them again: once the
// limits widen, only a full listing finds them. The narrowest limits under
// which a mailbox skipped messages are kept in the state (meta, per
// mailbox); a run whose limits allow more lists both sides in full, so
// that a message the new limits allow is copied without --full.

// limits are the size and date bounds of new messages: size 0 is no
// bound, cutoff (Unix seconds) 0 is none.
type limits struct {
	size   int64
	cutoff int64
}

// skipLimitsKey is the meta key of mailbox id's recorded limits.
func skipLimitsKey(id statedb.MailboxID) string {
	return "syncer.skiplimits." + strconv.FormatInt(int64(id), 10)
}

// runLimits are the limits of this run.
func (r *mailboxRun) runLimits() limits {
	opts := r.planOpts()
	l := limits{size: max(opts.MaxSize, 0)}
	if opts.MaxAge > 0 {
		l.cutoff = r.e.opts.Now().Add(-opts.MaxAge).Unix()
	}
	return l
}

func (l limits) String() string { return fmt.Sprintf("%d %d", l.size, l.cutoff) }

func parseLimits(v string) (limits, bool) {
	var l limits
	_, err := fmt.Sscanf(v, "%d %d", &l.size, &l.cutoff)
	return l, err == nil
}

// cutoffSlack is how far a cutoff may move back before it counts as
// widened: start_date reaches the engine as a max_age computed from the
// clock, whose cutoff wobbles by the time between two readings of it.
const cutoffSlack = 60 // seconds

// allowsMore reports whether l lets through a message that rec left out.
func (l limits) allowsMore(rec limits) bool {
	return (rec.size > 0 && (l.size == 0 || l.size > rec.size)) ||
		(rec.cutoff != 0 && (l.cutoff == 0 || l.cutoff < rec.cutoff-cutoffSlack))
}

// narrowest is the limits leaving out what either l or o leaves out.
func (l limits) narrowest(o limits) limits {
	n := l
	if n.size == 0 || (o.size > 0 && o.size < n.size) {
		n.size = o.size
	}
	if n.cutoff == 0 || o.cutoff > n.cutoff {
		n.cutoff = o.cutoff
	}
	return n
}

// loadSkipLimits reads the recorded limits and sets r.limitsWiden when
// this run's allow a message some earlier run skipped. A record that does
// not parse counts as widened (one full listing, then a good record).
func (r *mailboxRun) loadSkipLimits(ctx context.Context) error {
	var v string
	var found bool
	err := r.e.db.View(ctx, func(tx *statedb.Tx) (err error) {
		v, found, err = tx.Meta(skipLimitsKey(r.row.ID))
		return err
	})
	if err != nil || !found {
		return err
	}
	rec, ok := parseLimits(v)
	r.skipLimits = &rec
	r.limitsWiden = !ok || r.runLimits().allowsMore(rec)
	return nil
}

// saveSkipLimits updates the record once the mailbox is done: after a
// full listing for widened limits that carried new messages both ways, the
// record is this run's limits (what is still left out is what they leave
// out); otherwise, when this run skipped a message for its limits, the
// record narrows to cover them. A run restricted to one direction keeps
// the widening pending for a later run.
func (r *mailboxRun) saveSkipLimits(ctx context.Context) error {
	if r.e.opts.DryRun {
		return nil
	}
	skipped := false
	for _, s := range r.rep.Skipped {
		skipped = skipped || s.Reason == SkipTooLarge || s.Reason == SkipTooOld
	}
	opts, cur := r.planOpts(), r.runLimits()
	var rec limits
	switch {
	case r.limitsWiden && opts.Sync.allows(Far, SyncNew) && opts.Sync.allows(Near, SyncNew):
		rec = cur
	case !skipped:
		return nil
	case r.skipLimits == nil:
		rec = cur
	default:
		rec = r.skipLimits.narrowest(cur)
	}
	if r.skipLimits != nil && rec == *r.skipLimits {
		return nil
	}
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		return tx.SetMeta(skipLimitsKey(r.row.ID), rec.String())
	})
}
