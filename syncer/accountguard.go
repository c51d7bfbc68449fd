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
type accountGuard struct {
	e       *Engine
	limit   int // 0: no limit
	mu      sync.Mutex
	used    int
	tripped string // why, once tripped
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

// reserve asks for n deletions; it returns "" when they may go ahead, else
// why they are held back.
func (g *accountGuard) reserve(ctx context.Context, n int) (string, error) {
	if g == nil || g.limit <= 0 || n == 0 || g.e.opts.Force {
		return "", nil
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
		"(%d done, %d more planned); deletions are held back in every mailbox until a run with --force", g.limit, g.used, n)
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
