// Package mailmsg reads and edits the header block of an Internet message
// (RFC 5322) without disturbing any byte it was not asked to change.
//
// ReadHeader parses the header fields exactly as they are (folded lines,
// 8-bit bytes, NUL bytes, bare LF, CRLF or a mix, duplicate fields, no
// separator line, no body, an empty file) and leaves the reader at the
// body, which the caller streams. Values are available raw, unfolded, or
// decoded (RFC 2047 encoded words in any charset golang.org/x/text knows,
// RFC 2231 parameters). Set, Add and Remove change one field; WriteTo
// writes the header back, every untouched field byte-identical, new lines
// ending the way the message's lines end. Rewrite does the whole
// read-edit-write of a message with the body streamed.
//
// For the synchronizer it extracts a robust Message-ID (MessageID,
// NormalizeMessageID), reads and writes the X-Keywords field (labels,
// comma-separated, non-ASCII ones as RFC 2047 words), and hashes a header
// block (HeaderHash) to re-pair messages that have no Message-ID.
package mailmsg
