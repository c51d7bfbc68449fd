// Package imapstore is a store.Store over IMAP (imapclient): the engine's
// view of a mail server, taking the best path each server offers and
// falling back gracefully where it offers less.
//
// # Connections
//
// New dials one connection (Options.Dial: the caller owns TLS and
// authentication) to learn the capabilities and the personal namespace and
// delimiter (NAMESPACE, RFC 2342, else LIST "" ""); Features are fixed from
// then on, except Keywords, which a SELECT whose PERMANENTFLAGS lack `\*`
// turns off. The store then holds at most Options.Connections connections,
// dialed lazily: a mailbox takes one (else waits, bounded by its context)
// and SELECTs itself with CONDSTORE only when an operation needs the
// server; Mailbox.Close leaves it with UNSELECT (or EXAMINE
// + CLOSE, which expunges nothing) and returns the connection. QRESYNC is
// enabled once per connection (RFC 7162 §3.2.3). Store-level operations
// (LIST, CREATE, DELETE, RENAME) borrow any free connection, so a caller
// holding every connection with open mailboxes must close one first. A
// connection that failed, or whose command was abandoned by a canceled
// context, is discarded, never reused; its error is graded ScopeMailbox and
// retryable, and the next OpenMailbox dials afresh. Every wait of the store
// itself is bounded by the caller's context; a server that stops answering
// on a live TCP connection is noticed only through that context (or the
// client's TCP user timeout), so callers should give contexts deadlines.
//
// # Names
//
// Neutral names ("Archive/2024") map to the server's delimiter under its
// personal namespace prefix ("INBOX.Archive.2024" on Courier-style
// servers); INBOX is always INBOX. Modified UTF-7 (RFC 3501 §5.1.3) is the
// encoder's business. Names in other namespaces, and names holding "/" on a
// server whose delimiter is not "/", are not listed. Parents a server does
// not list are reported as NoSelect; special-use attributes come from LIST
// (RETURN (SPECIAL-USE) with LIST-EXTENDED, RFC 6154 §5.1).
//
// # Features by capability
//
//   - CONDSTORE (RFC 7162): modseqs, UNCHANGEDSINCE stores, Changes;
//   - QRESYNC: Changes reports vanished UIDs itself (VANISHED); without it
//     (Gmail) they come from comparing ChangesRequest.Known with UID SEARCH;
//   - UIDPLUS (RFC 4315): APPENDUID, COPYUID, UID EXPUNGE;
//   - MOVE (RFC 6851): atomic moves; else UID COPY + the expunge below;
//   - X-GM-EXT-1: Gmail labels and X-GM-MSGID as EmailID; OBJECTID
//     (RFC 8474): EMAILID and, with LIST-STATUS, MAILBOXID.
//
// Options.DisableCaps switches any of them off, for tests of the fallbacks
// and to work around a broken server extension.
//
// # Listing and bodies
//
// List sends UID FETCH over UID ranges (ListChunk UIDs, growing when the
// mailbox is sparse, the last one "lo:*"), one chunk ahead of the caller's
// callback, so memory is bounded by a chunk. FetchBodies sends UID FETCH
// BODY.PEEK[] in batches of about FetchWindow bytes, the next command sent
// while the current one is being received, and hands the bodies to the
// caller in the order asked, from memory or (large ones) a temporary file.
// Where the server offers BINARY (RFC 3516), a NUL it stored comes as
// 0x80 in BODY[] (Dovecot): a body holding 0x80 is fetched again with
// BINARY.PEEK[] after the others and the NULs put back where the two
// forms line up; one that cannot be lined up is refused alone (nul.go).
//
// # Checkpoints (RFC 7162 §6)
//
// ListMailboxes learns every mailbox's MESSAGES, UIDNEXT, UIDVALIDITY and
// HIGHESTMODSEQ in one round trip (LIST-STATUS, RFC 5819; else pipelined
// STATUS). Changes on a mailbox whose listed state equals the checkpoint
// returns at once: a run in which nothing changed sends LIST and no SELECT,
// on one connection. Otherwise Changes SELECTs the mailbox again and returns that SELECT's UIDVALIDITY,
// UIDNEXT and HIGHESTMODSEQ as the checkpoint, before it reads the changes:
// a change made while Changes runs is reported now and again next time,
// never lost. The caller records the checkpoint only after applying
// everything (RFC 7162 §6's advice on HIGHESTMODSEQ). A checkpoint from
// another UIDVALIDITY, one ahead of the server's HIGHESTMODSEQ, a mailbox
// with NOMODSEQ, or a server without CONDSTORE give ErrCheckpointUnusable.
//
// # Expunge without UIDPLUS
//
// Plain EXPUNGE removes every message marked \Deleted, including those a
// mail reader marked and keeps visible. Expunge therefore lifts \Deleted
// from the other marked messages, runs EXPUNGE, and marks them again; a
// failure in between loses a flag, never a message.
//
// # Known server quirks handled
//
//   - Dovecot evaluates SEARCH and FETCH on the session's view, which takes
//     in messages delivered by others only between commands: List and Find
//     send NOOP first.
//   - Dovecot runs pipelined FETCH commands in parallel and may interleave
//     their responses, which the client hands to the oldest command:
//     FetchBodies therefore collects the bodies of all its commands by UID
//     and delivers a batch only once its command completed.
//   - go-imap's in-memory server creates no parents and lower-cases flags:
//     parents are synthesised, flags normalised by store.NewFlags.
//   - Dovecot replaces an APPEND INTERNALDATE more than two hours in the
//     future with the current time (INTERNALDATE_MAX_FUTURE_SECS).
//   - Courier-IMAP 5 does not announce a message appended to the selected
//     mailbox and ignores its UID until a NOOP: a mailbox that appended
//     sends NOOP before its next command on UIDs. Its SEARCH LARGER and
//     SMALLER compare the Maildir file's size (LF line ends): Find searches
//     a window down to half the size and compares RFC822.SIZE exactly. It
//     answers OK to RENAME of a missing mailbox: a rename that left nothing
//     under the new name is reported as not found. It refuses "~" in a
//     mailbox name (DeleteMailbox's hidden name uses "-").
//   - Cyrus 3.6.1 sends memory bytes as the MAILBOXID of a STATUS asking
//     for other items too: ListMailboxes asks for MAILBOXID in a LIST of
//     its own.
package imapstore
