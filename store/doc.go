// Package store is what the sync engine sees of a mail store: a Store holds
// mailboxes, a Mailbox holds messages addressed by UID. The engine is written
// once against these interfaces and runs unchanged over IMAP (imapstore),
// Maildir (maildirstore) and memory (memstore), on either side — far or
// near — so IMAP⇄Maildir, IMAP⇄IMAP and Maildir⇄Maildir are one engine.
//
// The types here are neutral: no IMAP wire types, no file names. Mailbox
// names are UTF-8 with "/" separating hierarchy levels and "INBOX" for the
// inbox, whatever the store uses underneath; each store maps them to its own
// delimiter and encoding. Flags are IMAP-spelled ("\Seen", "$Forwarded",
// keywords as atoms) because IMAP is the richest vocabulary both sides share.
//
// A Features value tells what a store can do so the engine picks the best
// path (QRESYNC changes, UIDPLUS, MOVE …) and every fallback stays exercised:
// a store must never claim a feature it does not honour; the conformance
// suite in store/storetest checks that.
//
// Errors are graded by blast radius (see Error): a message-level failure
// skips one message, a mailbox-level one stops that mailbox, a store-level
// one stops the run for that account, and cancellation is reported as such.
package store
