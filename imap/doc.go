// Package imap holds the IMAP protocol types, with no I/O: message numbers
// (UID, SeqNum) and their sets, flags, capabilities, protocol errors, the
// generic Value tree that any command or response can be expressed in, and
// typed data converted from that tree (FETCH items, SELECT data, LIST, ...).
//
// The wire grammar lives in internal/imapwire; this package only describes
// what travels. References are to RFC 9051 (IMAP4rev2) unless stated, with
// RFC 3501 (IMAP4rev1) where the two differ.
package imap
