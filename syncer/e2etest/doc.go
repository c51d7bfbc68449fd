// Package e2etest runs the sync engine (package syncer) end to end against
// real stores: a private Dovecot (internal/testenv) through store/imapstore
// on the far side, and a real Maildir through store/maildirstore — or a
// second Dovecot user — on the near side.
//
// It holds tests and benchmarks only. The truth of each side is read
// without the project's stores: the server's with doveadm, the Maildir's
// with package maildir, the way a mail reader sees it. The tests cover
// issue #7's end-to-end acceptance: an initial sync equal byte for byte and
// flag for flag, changes on both sides converging in one run, an idle
// re-run costing O(1) bytes on the wire, the deletion guard, a forced
// UIDVALIDITY change re-paired without downloads, IMAP⇄IMAP, and a run
// canceled midway then resumed without duplicates.
//
// BenchmarkInitialSync and BenchmarkNoChangeResync measure the engine over
// loopback Dovecot and a Maildir on disk (E2E_BENCH_N sets the message
// count); bench/compare.sh runs imapdir and mbsync side by side.
package e2etest
