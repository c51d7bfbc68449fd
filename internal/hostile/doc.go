// Package hostile is a test double for misbehaving IMAP servers: a
// loopback proxy in front of a real server (the private Dovecot of
// internal/testenv) that passes the conversation through, except where a
// Rule takes over the answer to one kind of command in one mailbox, or
// Greeting replaces the greeting. So one scripted misbehaviour meets a
// real client doing a real sync, and every other mailbox is served by the
// real server.
//
// The proxy frames both directions into IMAP lines and literals
// (RFC 9051 §4.3), which is all it needs to know who is speaking: it
// tracks the selected mailbox from the client's SELECT/EXAMINE, and when a
// client command matches a Rule it holds the server's responses from then
// on up to that command's tagged completion and hands them to the Rule's
// Act, which writes whatever it likes (rewritten responses, an endless
// line, nothing at all) to the client. Plaintext only (no STARTTLS
// pass-through): a STARTTLS rule ends the conversation.
package hostile
