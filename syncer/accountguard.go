package syncer

import (
	"context"
	"fmt"
	"sync"

	"github.com/imapdir/imapdir/statedb"
)

// accountGuardKey is the meta key set when the account-wide deletion guard
// tripped; until a run with Force clears it, every run holds its
// deletions back (a server account being wiped must not empty the Maildir
// a limit's worth per run).
const accountGuardKey = "syncer.delete-guard-account"

// accountGuard caps the deletions of one run across the account
// (Options.DeleteGuardAccount). Mailbox passes run in parallel; each
// reserves its plan's deletions before carrying them out. A reservation
// that would pass the limit is refused, the guard trips for the rest of
// the run and for later runs (recorded in the state), and the refused
// pass holds its deletions back as the per-mailbox guard does.
//
// Mailboxes are admitted in the run's fixed order (by name): a pass
// reserves only once every pass before it has finished, so which
// mailboxes' deletions go ahead and which are held depends on the state
// alone, never on which pass finishes first, and a dry run decides as
// the real run will.
type accountGuard struct {
	e       *Engine
	limit   int // 0: no limit
	mu      sync.Mutex
	used    int
	tripped string // why, once tripped
	// order gives each mailbox row its place in the run; done[i] is
	// closed once pass i has finished.
	order map[statedb.MailboxID]int
	done  []chan struct{}
}

// admit sets the run's mailbox order: rows are passed in the order the
// run starts them.
func (g *accountGuard) admit(rows []statedb.Mailbox) {
	g.order = make(map[statedb.MailboxID]int, len(rows))
	g.done = make([]chan struct{}, len(rows))
	for i, r := range rows {
		g.done[i] = make(chan struct{})
		if r.ID != 0 { // 0: a mailbox a dry run would create, nothing to delete
			g.order[r.ID] = i
		}
	}
}

// finished says pass i of the run has ended (however it ended).
func (g *accountGuard) finished(i int) {
	if g != nil && i < len(g.done) {
		close(g.done[i])
	}
}

// await waits until every pass before mailbox mb's has finished; a
// mailbox outside the run's order (the move ledger's work after all
// passes) does not wait.
func (g *accountGuard) await(ctx context.Context, mb statedb.MailboxID) error {
	i, ok := g.order[mb]
	if !ok || mb == 0 {
		return nil
	}
	for _, d := range g.done[:i] {
		select {
		case <-d:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

// newAccountGuard returns the guard of one run, tripped already when an
// earlier run tripped it (unless Force clears it).
func (e *Engine) newAccountGuard(ctx context.Context) (*accountGuard, error) {
	g := &accountGuard{e: e, limit: e.opts.DeleteGuardAccount}
	if g.limit <= 0 {
		return g, nil
	}
	var why string
	var found bool
	if err := e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		why, found, err = tx.Meta(accountGuardKey)
		return err
	}); err != nil || !found {
		return g, err
	}
	if e.opts.Force && e.opts.DryRun {
		return g, nil // the real run would clear it
	}
	if e.opts.Force {
		return g, e.update(ctx, func(tx *statedb.Tx) error { return tx.DeleteMeta(accountGuardKey) })
	}
	g.tripped = why
	return g, nil
}

// reserve asks for n deletions of mailbox mb (0: work after every pass);
// it returns "" when they may go ahead, else why they are held back.
func (g *accountGuard) reserve(ctx context.Context, mb statedb.MailboxID, n int) (string, error) {
	if g == nil || g.limit <= 0 || n == 0 || g.e.opts.Force {
		return "", nil
	}
	if err := g.await(ctx, mb); err != nil {
		return "", err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tripped != "" {
		return g.tripped, nil
	}
	if g.used+n <= g.limit {
		g.used += n
		return "", nil
	}
	g.tripped = fmt.Sprintf("account-wide deletion guard: this run would delete more than %d messages across the account "+
		"(%d allowed in mailboxes synchronized before, %d more planned); the deletions of this and every later mailbox "+
		"are held back, in this run and the next ones, until a run with --force", g.limit, g.used, n)
	if g.e.opts.DryRun {
		return g.tripped, nil
	}
	err := g.e.update(ctx, func(tx *statedb.Tx) error { return tx.SetMeta(accountGuardKey, g.tripped) })
	return g.tripped, err
}

// holdAll takes every expunging update out of p, for reason.
func (p *Plan) holdAll(base int, reason string) {
	var n [2]int
	kept := p.Updates[:0]
	for _, u := range p.Updates {
		if u.Expunge[Far] || u.Expunge[Near] {
			for s := Far; s <= Near; s++ {
				if u.Expunge[s] {
					n[s]++
				}
			}
			continue
		}
		kept = append(kept, u)
	}
	p.Updates = kept
	if p.Held == nil {
		p.Held = &Held{Base: base}
	}
	p.Held.Count[Far] += n[Far]
	p.Held.Count[Near] += n[Near]
	if p.Held.Reason == "" {
		p.Held.Reason = reason
	} else {
		p.Held.Reason += "; " + reason
	}
}

// deletions counts the expunges of p.
func (p *Plan) deletions() int {
	n := 0
	for _, u := range p.Updates {
		for s := Far; s <= Near; s++ {
			if u.Expunge[s] {
				n++
			}
		}
	}
	return n
}
