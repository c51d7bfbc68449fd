package syncer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// Result is the outcome of a SyncAccount run.
type Result struct {
	// Mailboxes holds one report per mailbox pair synchronized (or tried).
	Mailboxes []MailboxReport
}

// Err joins the errors of the mailboxes that failed; nil when all
// finished. A CLI maps "some failed" to its partial-success exit code.
func (r Result) Err() error {
	var errs []error
	for _, m := range r.Mailboxes {
		if m.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Mailbox, m.Err))
		}
	}
	return errors.Join(errs...)
}

// SyncAccount synchronizes every selected mailbox pair of the account:
// discovery on both sides (create, delete-if-empty, rename), then each
// pair on its own goroutine, at most Options.Connections at once. A
// mailbox-level failure stops that mailbox only (see its report); a
// store-level failure or cancellation stops the run and is returned.
func (e *Engine) SyncAccount(ctx context.Context) (Result, error) {
	rows, err := e.discover(ctx)
	if err != nil {
		e.obs.Error("", err)
		return Result{}, err
	}
	return e.syncRows(ctx, rows)
}

// ErrNoSuchMailbox is matched (errors.Is) by SyncMailbox's error for a
// name that no selected mailbox has on either side.
var ErrNoSuchMailbox = errors.New("no such mailbox on either side, or not selected")

// SyncMailbox synchronizes the one mailbox pair whose far or near name is
// name (creating its counterpart when configured). Moves into or out of
// other mailboxes are seen as a copy plus a deletion when they are not
// synchronized in the same call: see SyncMailboxes.
func (e *Engine) SyncMailbox(ctx context.Context, name string) (MailboxReport, error) {
	res, err := e.SyncMailboxes(ctx, []string{name})
	if err != nil && len(res.Mailboxes) == 0 {
		return MailboxReport{Mailbox: name, Err: err}, err
	}
	return res.Mailboxes[0], res.Mailboxes[0].Err
}

// SyncMailboxes synchronizes the mailbox pairs whose far or near names
// are in names, together, as the watch daemon does with the mailboxes a
// push or a mail reader made dirty: a message moved between two of them
// is carried over as a move (UID MOVE on the server, a rename in the
// Maildir), not as a copy plus a deletion. A name no selected mailbox has
// gets a report with ErrNoSuchMailbox; the error returned is a
// store-level failure, or that one when no name matched.
func (e *Engine) SyncMailboxes(ctx context.Context, names []string) (Result, error) {
	rows, err := e.discover(ctx, names...)
	if err != nil {
		return Result{}, err
	}
	var res Result
	if len(rows) > 0 {
		if res, err = e.syncRows(ctx, rows); err != nil {
			return res, err
		}
	}
	for _, name := range names {
		if !e.rowsHave(rows, name) {
			err := e.errorf(name, "mailbox %q: %w", name, ErrNoSuchMailbox)
			res.Mailboxes = append(res.Mailboxes, MailboxReport{Mailbox: name, Err: err})
			if len(rows) == 0 {
				return res, err
			}
		}
	}
	return res, nil
}

// rowsHave reports whether one of rows is the pair of name (far or near,
// through the name map).
func (e *Engine) rowsHave(rows []statedb.Mailbox, name string) bool {
	near := name
	if e.names != nil {
		near = e.names.near(name)
	}
	for _, r := range rows {
		if r.FarName == name || r.NearName == name || r.NearName == near || nameOf(r) == near {
			return true
		}
	}
	return false
}

// syncRows runs the mailbox pairs in parallel under the connection cap.
func (e *Engine) syncRows(ctx context.Context, rows []statedb.Mailbox) (Result, error) {
	if err := e.recoverMoves(ctx, rows); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	guard, err := e.newAccountGuard(ctx)
	if err != nil {
		return Result{}, err
	}
	ledger := newMoveLedger(e, rows)
	ledger.guard = guard
	reports := make([]MailboxReport, len(rows))
	sem := make(chan struct{}, e.opts.Connections)
	var wg sync.WaitGroup
	for i, row := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				reports[i] = MailboxReport{Mailbox: nameOf(row), Err: context.Cause(ctx)}
				return
			}
			defer func() { <-sem }()
			reports[i] = e.syncPairSafe(ctx, row, ledger)
			if sc := store.ScopeOf(reports[i].Err); sc == store.ScopeStore || sc == store.ScopeCanceled {
				cancel(reports[i].Err)
			}
		}()
	}
	wg.Wait()
	res := Result{Mailboxes: reports}
	for i := range reports {
		ledger.reports[rows[i].ID] = &res.Mailboxes[i]
	}
	if err := ledger.finish(ctx); err != nil {
		return res, err
	}
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return res, err
	}
	return res, nil
}

func nameOf(row statedb.Mailbox) string {
	if row.FarName != "" {
		return row.FarName
	}
	return row.NearName
}

// sideInfo is what discovery knows of one side's mailboxes.
type sideInfo map[string]store.MailboxInfo

// discover lists both sides, applies renames, creations and deletions of
// empty mailboxes, and returns the mailbox pairs to synchronize (only the
// ones named in names, when there are names), ordered by name.
func (e *Engine) discover(ctx context.Context, names ...string) ([]statedb.Mailbox, error) {
	var only nameSet
	if len(names) > 0 {
		only = nameSet{}
	}
	if e.names != nil {
		if err := e.names.learn(ctx, e.st[Near], e.db); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		if e.names != nil {
			n = e.names.near(n) // a far name, from the watch
		}
		only[n] = true
	}
	var infos [2]sideInfo
	for s := Far; s <= Near; s++ {
		list, err := e.st[s].ListMailboxes(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s mailboxes: %w", s, err)
		}
		infos[s] = e.selected(list, only)
	}
	var rows []statedb.Mailbox
	if err := e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		rows, err = tx.Mailboxes()
		return err
	}); err != nil {
		return nil, err
	}
	if err := e.renames(ctx, infos, rows); err != nil {
		return nil, err
	}
	return e.pairUp(ctx, infos, only)
}

// nameSet is a set of mailbox names; nil holds every name.
type nameSet map[string]bool

func (ns nameSet) has(name string) bool { return ns == nil || ns[name] }

// selected keeps the selectable mailboxes that Match accepts (and, when
// only is set, only those).
func (e *Engine) selected(list []store.MailboxInfo, only nameSet) sideInfo {
	out := sideInfo{}
	for _, mi := range list {
		if mi.NoSelect || !only.has(mi.Name) {
			continue
		}
		if e.opts.Match != nil && !e.opts.Match(mi.Name) {
			continue
		}
		out[mi.Name] = mi
	}
	return out
}

// pairUp decides, name by name, what to do with each mailbox and returns
// the pairs to synchronize.
func (e *Engine) pairUp(ctx context.Context, infos [2]sideInfo, only nameSet) ([]statedb.Mailbox, error) {
	names := map[string]bool{}
	for s := Far; s <= Near; s++ {
		for n := range infos[s] {
			names[n] = true
		}
	}
	var rows []statedb.Mailbox
	if err := e.db.View(ctx, func(tx *statedb.Tx) error {
		all, err := tx.Mailboxes()
		for _, m := range all {
			if n := nameOf(m); only.has(n) && e.rowSelected(m) {
				names[n] = true
			}
		}
		return err
	}); err != nil {
		return nil, err
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	seen := map[statedb.MailboxID]bool{}
	for _, n := range sorted {
		row, ok, err := e.place(ctx, n, infos)
		if err != nil {
			return nil, err
		}
		if ok && (row.ID == 0 || !seen[row.ID]) { // a pair is never synced twice at once
			seen[row.ID] = true
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// rowSelected reports whether a known mailbox pair is still selected.
func (e *Engine) rowSelected(m statedb.Mailbox) bool {
	return e.opts.Match == nil || e.opts.Match(nameOf(m))
}

// place handles one mailbox name: it returns the pair row to synchronize,
// or ok false when the name needs no sync (created nowhere, deleted).
func (e *Engine) place(ctx context.Context, name string, infos [2]sideInfo) (statedb.Mailbox, bool, error) {
	_, onFar := infos[Far][name]
	_, onNear := infos[Near][name]
	row, known, err := e.rowByName(ctx, name)
	if err != nil {
		return row, false, err
	}
	switch {
	case onFar && onNear:
		return e.ensureRow(ctx, name, infos)
	case !onFar && !onNear:
		return row, false, e.forgetRow(ctx, row, known)
	}
	have := Far
	if onNear {
		have = Near
	}
	return e.oneSided(ctx, name, have, infos, row, known)
}

// oneSided handles a mailbox that exists only on side have. Known before
// and now missing on the other side: with no pairs, its deletion is
// propagated when the remaining mailbox is empty (and DeleteEmpty), else
// it is created again; with pairs, the pair is synchronized and fails
// loudly (missing while the state says it held mail). Unknown before: it
// is created on the other side when Create allows.
func (e *Engine) oneSided(ctx context.Context, name string, have Side, infos [2]sideInfo, row statedb.Mailbox, known bool) (statedb.Mailbox, bool, error) {
	miss := have.Other()
	if known {
		n, err := e.pairCount(ctx, row.ID)
		if err != nil {
			return row, false, err
		}
		if n > 0 {
			return row, true, nil
		}
		empty, err := e.isEmpty(ctx, have, name)
		if err != nil {
			return row, false, err
		}
		if empty && e.opts.DeleteEmpty {
			return row, false, e.deleteMailbox(ctx, have, name, row)
		}
	}
	if !e.opts.Create[miss] {
		e.note(name, fmt.Sprintf("exists only on the %s side; not created on the %s side (configuration)", have, miss))
		return row, false, nil
	}
	if e.opts.DryRun { // planned against an empty mailbox (dryrun.go)
		e.note(name, fmt.Sprintf("would create %s mailbox %q", miss, name))
		planned := statedb.Mailbox{FarName: name, NearName: name}
		if miss == Far {
			planned.FarName = ""
		} else {
			planned.NearName = ""
		}
		return planned, true, nil
	}
	if err := e.st[miss].CreateMailbox(ctx, name, infos[have][name].SpecialUse); err != nil && !errors.Is(err, store.ErrMailboxExists) {
		return row, false, fmt.Errorf("create %s mailbox %q: %w", miss, name, err)
	}
	e.note(name, fmt.Sprintf("created %s mailbox %q", miss, name))
	infos[miss][name] = store.MailboxInfo{Name: name}
	return e.ensureRow(ctx, name, infos)
}

// rowByName finds the pair row by far or near name.
func (e *Engine) rowByName(ctx context.Context, name string) (statedb.Mailbox, bool, error) {
	var row statedb.Mailbox
	var ok bool
	err := e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		if row, ok, err = tx.MailboxByFarName(name); err != nil || ok {
			return err
		}
		row, ok, err = tx.MailboxByNearName(name)
		return err
	})
	return row, ok, err
}

// ensureRow returns the pair row for name, creating it (not under DryRun:
// a mailbox never synchronized then gets an in-memory row).
func (e *Engine) ensureRow(ctx context.Context, name string, infos [2]sideInfo) (statedb.Mailbox, bool, error) {
	row, known, err := e.rowByName(ctx, name)
	if err != nil || e.opts.DryRun {
		if e.opts.DryRun && !known && err == nil {
			if old := e.dry.rowName(name); old != name { // renamed in this dry run: as renameRows would
				row, known, err = e.rowByName(ctx, old)
				row.FarName, row.NearName = renamed(row.FarName, old, name), renamed(row.NearName, old, name)
			}
		}
		if !known {
			row = statedb.Mailbox{FarName: name, NearName: name}
		}
		return row, err == nil, err
	}
	if known && row.FarName == name && row.NearName == name &&
		row.FarMailboxID == infos[Far][name].ID && row.NearMailboxID == infos[Near][name].ID {
		return row, true, nil // nothing to write: a no-change run stays read-only here
	}
	err = e.update(ctx, func(tx *statedb.Tx) error {
		m, err := tx.EnsureMailbox(name, name)
		if err != nil {
			return err
		}
		m.FarMailboxID, m.NearMailboxID = infos[Far][name].ID, infos[Near][name].ID
		row = m
		return tx.UpdateMailbox(m)
	})
	return row, err == nil, err
}

// forgetRow removes a pair row whose mailbox is gone on both sides.
func (e *Engine) forgetRow(ctx context.Context, row statedb.Mailbox, known bool) error {
	if !known || e.opts.DryRun {
		return nil
	}
	return e.update(ctx, func(tx *statedb.Tx) error {
		if in, err := tx.PendingIntents(row.ID); err != nil || len(in) > 0 {
			return err
		}
		return tx.DeleteMailbox(row.ID)
	})
}

// pairCount counts the pairs of mailbox row id.
func (e *Engine) pairCount(ctx context.Context, id statedb.MailboxID) (int, error) {
	var n int
	err := e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		n, err = tx.CountPairs(id)
		return err
	})
	return n, err
}

// isEmpty opens mailbox name on side s and reports whether it holds no
// message.
func (e *Engine) isEmpty(ctx context.Context, s Side, name string) (bool, error) {
	b, err := e.st[s].OpenMailbox(ctx, name)
	if err != nil {
		return false, fmt.Errorf("open %s mailbox %q: %w", s, name, err)
	}
	defer b.Close()
	return b.Status().Messages == 0, nil
}

// deleteMailbox propagates the deletion of an empty mailbox to side s and
// forgets the pair.
func (e *Engine) deleteMailbox(ctx context.Context, s Side, name string, row statedb.Mailbox) error {
	if e.opts.DryRun {
		e.note(name, fmt.Sprintf("would delete empty %s mailbox %q (deleted on the %s side)", s, name, s.Other()))
		return nil
	}
	if err := e.st[s].DeleteMailbox(ctx, name); err != nil {
		if errors.Is(err, store.ErrMailboxNotEmpty) {
			e.warn(name, fmt.Sprintf("%s mailbox %q was deleted on the %s side but is not empty here: kept", s, name, s.Other()))
			return nil
		}
		return fmt.Errorf("delete %s mailbox %q: %w", s, name, err)
	}
	e.note(name, fmt.Sprintf("deleted empty %s mailbox %q", s, name))
	return e.forgetRow(ctx, row, true)
}
