// Package gmailsim is a Gmail IMAP test double: a server on 127.0.0.1 that
// behaves, for what imapdir relies on, as imap.gmail.com does. Gmail
// cannot be reached from tests; this is the faithful stand-in.
//
// # What it models, and from where
//
//   - CAPABILITY as Gmail advertises it, before login (SASL-IR,
//     AUTH=XOAUTH2, AUTH=OAUTHBEARER, AUTH=PLAIN …) and after (X-GM-EXT-1,
//     UIDPLUS, MOVE, CONDSTORE without QRESYNC, ESEARCH, COMPRESS=DEFLATE,
//     SPECIAL-USE, LIST-EXTENDED, LIST-STATUS, LITERAL-, UTF8=ACCEPT, ENABLE,
//     ID, IDLE, NAMESPACE, XLIST, APPENDLIMIT=35651584), as Gmail's
//     CAPABILITY responses show them (and as Google's "IMAP Extensions"
//     page, developers.google.com/workspace/gmail/imap/imap-extensions,
//     describes X-GM-EXT-1).
//   - Labels as folders: one set of messages; every folder is a view of
//     the messages carrying its label. INBOX is the \Inbox label;
//     "[Gmail]/All Mail" (\All) shows every message not in Trash or Spam;
//     "[Gmail]/Sent Mail" (\Sent), "[Gmail]/Drafts" (\Drafts),
//     "[Gmail]/Important" (\Important), "[Gmail]/Starred" (\Flagged),
//     "[Gmail]/Spam" (\Junk), "[Gmail]/Trash" (\Trash), with the
//     special-use attributes of RFC 6154 (and RFC 8457 for \Important).
//     Their names can be localized (Options.Names) so that clients are
//     tested to find them by attribute. A message in Trash or Spam is shown
//     only there. A message that gains a label appears in that folder under
//     the folder's next UID; one that loses it is expunged there.
//   - X-GM-MSGID, X-GM-THRID (64-bit numbers) and X-GM-LABELS in FETCH;
//     STORE [+-]X-GM-LABELS[.SILENT]; SEARCH X-GM-RAW (a subset of the web
//     search syntax, see rawQuery), X-GM-MSGID, X-GM-THRID, X-GM-LABELS
//     (Google's IMAP Extensions page). Labels travel in modified UTF-7
//     (RFC 3501 §5.1.3) like mailbox names; system labels as \Inbox,
//     \Sent, \Draft, \Important, \Starred, \Trash, \Spam. A label named by
//     STORE or COPY that does not exist is created. CREATE, DELETE and
//     RENAME of a folder create, delete (from every message) and rename
//     the label.
//   - \Flagged is the \Starred label and \Draft the \Draft label, both ways.
//   - Deletion as Gmail's default IMAP settings are taken to behave
//     ("Auto-Expunge on", see Google's help page "Sync Gmail to other mail
//     clients with IMAP" and its advanced IMAP settings): marking \Deleted
//     expunges at once (Options.NoAutoExpunge turns that off); expunging
//     from a label folder removes the label only (the message stays in All
//     Mail); expunging from All Mail moves the message to Trash; expunging
//     from Trash or Spam deletes it for good. COPY to a folder adds its
//     label; MOVE also removes the source folder's label.
//   - CONDSTORE (RFC 7162): one mod-sequence counter for the account,
//     raised by every flag or label change; FETCH CHANGEDSINCE, STORE
//     UNCHANGEDSINCE (MODIFIED code), SEARCH MODSEQ, HIGHESTMODSEQ in
//     SELECT and STATUS. No QRESYNC, no VANISHED: as on Gmail, a client
//     learns of expunged UIDs by searching.
//   - UIDPLUS (RFC 4315) APPENDUID and COPYUID; ESEARCH RETURN (ALL COUNT
//     MIN MAX) (RFC 4731); COMPRESS=DEFLATE (RFC 4978); IDLE (RFC 2177)
//     with EXISTS, EXPUNGE and FETCH pushed as other connections change
//     things; ID (RFC 2971) answering "GImap".
//   - Authentication: XOAUTH2 (Google's "OAuth 2.0 Mechanism" page) and
//     OAUTHBEARER (RFC 7628), tokens checked by Options.ValidToken; a
//     refused token gets the JSON error challenge, then
//     NO [AUTHENTICATIONFAILED]. LOGIN and PLAIN accept Options.AppPassword.
//   - At most 15 simultaneous logged-in connections per account (Google's
//     "IMAP and POP limits"); the 16th login gets NO [ALERT] Too many
//     simultaneous connections.
//
// # What it does not model
//
// ENVELOPE, BODYSTRUCTURE, numbered body parts, QUOTA, \Recent,
// bandwidth limits, Gmail's de-duplication of appended copies, its
// omission of some labels in some folders, and the X-GM-RAW syntax beyond
// the subset above. A command it does not model gets BAD or NO, never a
// made-up answer.
package gmailsim
