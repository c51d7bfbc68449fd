package syncer

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/statedb"

	"github.com/imapdir/imapdir/store"
)

// A dry run plans everything a real run would do on the same state and
// reports it, without changing a store or the state database. Where the
// real run would change something first and plan from the result, the dry
// run plans from what that change would leave:
//
//   - a mailbox the real run would create is planned against an empty
//     mailbox (plannedMailbox), so every message of its counterpart is
//     reported as a copy;
//   - moves between mailboxes go through the move ledger as in a real run
//     and are counted, not carried out (moves.go, moves_alone.go);
//   - a mailbox renamed on one side is planned under its new name, as the
//     real run would after renaming the other side's (dryRenames), with
//     the pairs of its recorded row;
//   - after a UIDVALIDITY change, the pairs are re-paired in memory
//     (dryRepair) and the mailbox planned on them;
//   - both deletion guards decide as in a real run, the account-wide one
//     from the state it recorded.

// plannedMailbox stands, under DryRun, for a mailbox the real run would
// create: empty, without identity, refusing every change.
type plannedMailbox struct{ name string }

var _ store.Mailbox = plannedMailbox{}

func (p plannedMailbox) Name() string         { return p.name }
func (p plannedMailbox) Status() store.Status { return store.Status{UIDNext: 1} }
func (p plannedMailbox) List(context.Context, store.ListOptions, func([]store.Message) error) error {
	return nil
}

func (p plannedMailbox) Changes(_ context.Context, req store.ChangesRequest, _ func(store.ChangeSet) error) (store.Checkpoint, error) {
	return store.Checkpoint{UIDNext: 1}, nil
}

func (p plannedMailbox) FetchBodies(context.Context, []store.UID, func(store.Message, io.Reader) error) error {
	return nil
}

func (p plannedMailbox) Append(context.Context, store.NewMessage) (store.UID, error) {
	return 0, errDryRunWrite
}
func (p plannedMailbox) Flush(context.Context) error { return nil }
func (p plannedMailbox) UpdateFlags(context.Context, store.FlagChange) ([]store.UID, error) {
	return nil, errDryRunWrite
}
func (p plannedMailbox) Expunge(context.Context, []store.UID) error { return errDryRunWrite }
func (p plannedMailbox) Move(context.Context, []store.UID, string) (map[store.UID]store.UID, error) {
	return nil, errDryRunWrite
}
func (p plannedMailbox) Find(context.Context, store.Query) ([]store.Message, error) { return nil, nil }
func (p plannedMailbox) Close() error                                               { return nil }

// countUpdates adds the store operations of updates to the report, as
// applyUpdates counts them when it carries them out.
func (r *mailboxRun) countUpdates(ups []PairUpdate) {
	p := Plan{Updates: ups}
	_, flags, expunges := p.Counts()
	for s := Far; s <= Near; s++ {
		r.rep.Changed[s] += flags[s]
		r.rep.Deleted[s] += expunges[s]
	}
	r.actUpdates(ups, nil)
}

// countCopy adds one copy from side from to the report.
func (r *mailboxRun) countCopy(from Side, m store.Message) {
	r.rep.New[from.Other()]++
	r.rep.Bytes[from.Other()] += m.Size
	r.actCopy(from, m, 0, "")
}

// dryRenames records, during a dry run, the renames the real run would
// make: on side o, mailbox open[o][new] is still called by its old name;
// the state's row of new is still the row of name row[new]. Children
// follow their parent.
type dryRenames struct {
	mu   sync.Mutex
	open [2]map[string]string
	row  map[string]string
	ids  map[statedb.MailboxID]bool // the rows renamed
}

// add records that the real run would rename side o's mailbox oldO to nu,
// the row recorded as old.
func (d *dryRenames) add(o Side, oldO, old, nu string, id statedb.MailboxID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.row == nil {
		d.open = [2]map[string]string{{}, {}}
		d.row = map[string]string{}
		d.ids = map[statedb.MailboxID]bool{}
	}
	d.open[o][nu] = oldO
	d.row[nu] = old
	d.ids[id] = true
}

// renamed reports whether row id was renamed in this dry run.
func (d *dryRenames) renamed(id statedb.MailboxID) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ids[id]
}

// storeName is the name side s's store still gives mailbox name.
func (d *dryRenames) storeName(s Side, name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return unrename(d.open[s], name)
}

// rowName is the name the state still gives mailbox name's row.
func (d *dryRenames) rowName(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return unrename(d.row, name)
}

// unrename maps name back through the renames m (new → old), children
// with their parent.
func unrename(m map[string]string, name string) string {
	for nu, old := range m {
		switch {
		case name == nu:
			return old
		case strings.HasPrefix(name, nu+"/"):
			return old + name[len(nu):]
		}
	}
	return name
}

// dryRepair is a re-pairing a dry run would record: the new side-s UID of
// each pair (0: the message was not found again; the pair keeps only its
// other side).
type dryRepair struct {
	side Side
	uid  map[int64]store.UID
}

// newDryRepair records the re-pairing of pairs to newUID on side s.
func newDryRepair(s Side, pairs []Pair, newUID []store.UID) *dryRepair {
	d := &dryRepair{side: s, uid: make(map[int64]store.UID, len(pairs))}
	for i, p := range pairs {
		d.uid[p.ID] = newUID[i]
	}
	return d
}

// apply rewrites the side-s UIDs of ps as the re-pairing would.
func (d *dryRepair) apply(ps []Pair) {
	if d == nil {
		return
	}
	for i := range ps {
		if u, ok := d.uid[ps[i].ID]; ok {
			ps[i].UID[d.side] = u
		}
	}
}

// pairRefs is pairRefs of the run's mailbox, re-paired under DryRun.
func (r *mailboxRun) pairRefs(ctx context.Context, s Side) ([]pairRef, error) {
	refs, err := pairRefs(ctx, r.e.db, r.row.ID, s)
	d := r.repaired
	if err != nil || d == nil || d.side != s {
		return refs, err
	}
	out := refs[:0]
	for _, ref := range refs {
		if u, ok := d.uid[ref.id]; ok {
			ref.uid = u
		}
		if ref.uid != 0 {
			out = append(out, ref)
		}
	}
	slices.SortFunc(out, func(a, b pairRef) int { return int(a.uid) - int(b.uid) })
	return out, nil
}
