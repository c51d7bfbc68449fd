// Package examples holds small programs built on imapclient, each in its
// own directory:
//
//   - imaprepl: type IMAP commands, see the server's answers and what it
//     pushes meanwhile;
//   - idlewatch: wait in IDLE and print the sender and subject of each new
//     message, decoded;
//   - export: write every message of a mailbox to a file, streamed.
//
// They share the connection flags of examples/internal/account. Their
// tests run them against a private Dovecot (internal/testenv).
package examples
