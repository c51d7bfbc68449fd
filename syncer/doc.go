// Package syncer is the synchronization engine: it keeps the mailboxes of
// two stores — far (usually IMAP) and near (usually Maildir) — in step,
// both ways, through the store interfaces only, with what both sides last
// agreed on kept in the state database (statedb).
//
// # Use
//
//	eng, err := syncer.New(far, near, db, opts) // opts from DefaultOptions
//	res, err := eng.SyncAccount(ctx)            // err: account-level failure
//	if err := res.Err(); err != nil { … }      // some mailboxes failed
//	res, err = eng.SyncMailboxes(ctx, dirty)   // the mailboxes a push made dirty (watch daemon)
//
// The caller holds the account lock (statedb.AcquireLock). Progress and
// results go to Options.Observer; the engine never prints.
//
// # Two halves
//
// The planner (PlanMailbox) is pure: from both sides' deltas (new, changed,
// vanished messages) and the agreed state of the pairs they touch it
// returns the operations; its rules are written down on PlanMailbox and
// MergeFlags. A full listing and a store's incremental Changes give the
// planner the same shape (Delta), so a resync costs O(changes) wherever a
// store can tell them (QRESYNC, CONDSTORE, the Maildir store's own
// bookkeeping).
//
// The executor runs a plan per mailbox pair, in this order:
//
//  1. UIDVALIDITY check on both sides; a change is re-paired by content
//     (RePair: stable id, else store.Identity) without downloading, or
//     stops the mailbox changing nothing.
//  2. Intents an interrupted run left are resolved (the copy is found in
//     the target under the UID the intent noted or by its identity →
//     paired; a noted copy gone since → paired, so its deletion is carried
//     over; else dropped and planned again).
//  3. Both sides are scanned (Changes since the recorded checkpoint, or a
//     full listing merged against the pairs); a near mailbox found empty
//     while the state knows its mail stops the mailbox.
//  4. Copies, in batches: one transaction of intents, bodies streamed from
//     FetchBodies into Append, one transaction noting the UIDs the target
//     gave, one Flush, UIDs the target could not tell found again, one
//     transaction resolving the intents into pairs.
//  5. Flag updates grouped by identical change, conditional on the scanned
//     HIGHESTMODSEQ where the store has CONDSTORE (conflicts are planned
//     again next run).
//  6. Expunges (after the deletion guard had its say).
//  7. One transaction recording the pairs' new state, then the
//     checkpoints — only when everything before went through (RFC 7162
//     §6), so a failed or interrupted run sees the same changes again.
//
// Moves between mailboxes cross mailbox pairs and are matched by an
// account-level ledger after the passes (see moveLedger). Mailboxes are
// discovered on both sides, created, renamed (by MailboxInfo.ID, else by a
// kept UIDVALIDITY) and their deletion propagated when empty, before the passes run in parallel under
// Options.Connections.
//
// # Crash safety
//
// Every effect on a store is preceded by a committed intent or is
// idempotent given the state: a copy is an intent first; flag updates and
// expunges already done are recognised on the next run because both sides
// then agree. After a kill at any point the next run neither loses nor
// duplicates a message; the tests crash a run before every durable step
// and check that the resumed run ends in the same state.
package syncer
