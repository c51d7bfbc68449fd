// Package maildir implements the Maildir mailbox format and nothing else:
// folders (tmp, new, cur), unique file names, the ":2," info suffix with
// its flag letters, durable delivery (single or batched), flag changes by
// rename, fast scanning, Dovecot's dovecot-keywords file, the two folder
// layouts ("fs" and "maildir++") that map mailbox names to directories,
// and streaming line-ending converters (Maildir stores LF, IMAP sends CRLF).
//
// The format follows D. J. Bernstein's specification
// (https://cr.yp.to/proto/maildir.html) and the conventions of Dovecot,
// mbsync and OfflineIMAP for the extra ",KEY=value" name fields.
//
// Safety rules kept by this package:
//   - a message appears in new/ or cur/ only once it is completely written:
//     it is written in tmp/ (created with O_EXCL), its data is flushed to
//     disk, and only then renamed;
//   - a rename never replaces an existing file;
//   - a delivery or flag change reported durable survives a crash: the
//     directories it touched have been fsynced.
//
// The package does no logging of its own beyond an optional *slog.Logger
// and has no global mutable state.
package maildir
