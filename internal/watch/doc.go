// Package watch keeps accounts in step continuously: the engine of
// `imapdir watch`.
//
// Per account, one goroutine (the loop) owns the account lock and the state
// database for the whole run and decides when to synchronize; syncs run one
// at a time on a worker goroutine so that the loop keeps hearing events
// meanwhile. Three sources mark mailboxes dirty:
//
//   - the server: with NOTIFY (RFC 5465) one connection hears of new,
//     expunged and re-flagged messages in every mailbox (STATUS responses
//     while it idles); without it, one IDLE connection per hot mailbox
//     (INBOX and the account's "watch" list, within its connection cap) and
//     a STATUS check of every mailbox each poll interval;
//   - the Maildir: inotify on every folder's new/ and cur/, and on the
//     folder directories so that folders made later are watched too;
//   - timers: a full sync at start and every full-sync interval, retries
//     after failures, and a re-check at once when the wall clock jumps
//     (suspend/resume).
//
// A dirty mailbox is synchronized alone (syncer.Engine.SyncMailbox) once no
// event has come for it for the debounce delay (300 ms by default), or at
// the latest after MaxDelay under a steady stream: a mail reader marking
// 500 messages read becomes one sync, one STORE batch.
//
// # imapdir's own writes
//
// A sync writes into the Maildir and so causes inotify events. Events that
// arrive while a sync runs are not trusted: after the sync, a barrier (an
// attribute change on a private directory, which inotify queues behind
// every earlier event) collects the last of them, and each folder they
// touched is compared with the Maildir store's index (file names in cur/
// and new/ against statedb's near messages). A folder that matches is
// settled — the events were ours, or changes the sync already took — and
// causes nothing; one that differs was changed by a mail reader during the
// sync and is synchronized again. On the server side, a NOTIFY STATUS whose
// HIGHESTMODSEQ the state database has recorded already is dropped when
// the mailbox's turn comes. Neither side can loop: a sync that changes
// nothing writes nothing.
//
// # Failures
//
// A failed sync is retried after a capped, jittered backoff; other
// mailboxes and accounts go on. A listening connection that fails (network
// error, BYE, TLS error, a NOOP that gets no answer) is redialed forever
// with the same backoff, and a full sync follows each reconnection since
// notifications may have been missed; a lost connection also cancels a
// running sync, whose connections take the same path. A wall-clock jump
// (suspend/resume) or an address leaving a network interface (rtnetlink)
// redials at once. Nothing spins: every wait is on a channel or a timer.
package watch
