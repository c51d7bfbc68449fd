// Package statedb is imapdir's state database: the only package that speaks SQL.
//
// One database exists per account, by default the file [FileName]
// (".imapdir.sqlite3") in the account's Maildir root. It records what the
// synchronizer knows between runs:
//
//   - mailboxes: one row per synchronized mailbox pair (far and near name,
//     both sides' UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, last sync);
//   - pairs: one row per message known on at least one side (far UID, near
//     UID, flags and labels as last agreed, size, INTERNALDATE, Message-ID,
//     EMAILID/X-GM-MSGID, THREADID, header hash);
//   - intents: propagations that are about to happen ("intent before
//     effect", see DESIGN.md); an intent is committed before the effect and
//     resolved (intent deleted, pair written, in one transaction) after it;
//   - the near index: the Maildir store's own UID assignment (UIDVALIDITY,
//     UIDNEXT and the UID of every file), kept here rather than in file names;
//   - meta: account-level key/value strings.
//
// All access goes through [DB.Update] (one write transaction) and [DB.View]
// (one read-only snapshot); the [Tx] methods are typed: no SQL and no
// *sql.Rows leave this package. Iterations page through the tables (memory
// stays bounded whatever the mailbox size) and hold no statement open while
// their callback runs. Every hot statement is index-driven (a test fails if
// one scans pairs or near_messages).
//
// [DB.CheckConsistency] checks the invariants listed by [Invariants];
// statedbtest.Check runs it from other packages' tests.
//
// Units: UIDs are uint32 (0 means "not known on that side"), mod-sequences
// uint64 (at most 2^63-1, RFC 7162 §7), sizes int64 bytes (0 = unknown).
// INTERNALDATE is stored as Unix seconds (the resolution of IMAP's
// date-time, RFC 9051 §9 "date-time"; the zone offset is not kept); every
// other time (last sync, intent creation, file mtime) is stored as Unix
// nanoseconds. Times are returned in UTC; the zero time.Time means unknown
// and is stored as 0.
//
// One run per account: [AcquireLock] takes an flock on [LockFileName] next to the
// database; a second holder gets a [*LockedError] naming the holder's pid.
package statedb
