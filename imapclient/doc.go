// Package imapclient is an IMAP4rev1/IMAP4rev2 client (RFC 3501, RFC 9051)
// for programs that talk to a server the way one uses a REPL: send any
// command, get the server's answer as parsed data, react to what the server
// pushes.
//
// # Connecting
//
// Dial speaks implicit TLS by default (RFC 8314), verifying the certificate
// against the system roots, or Options.CAFile, or only against a SHA-256
// pin (Options.PinSHA256). Options.STARTTLS upgrades a plaintext connection
// and fails, before any credentials, if the server does not offer it;
// plaintext needs Options.InsecurePlaintext. TCP keepalive and, on Linux,
// TCP_USER_TIMEOUT notice a dead link. Capabilities are re-read after
// STARTTLS and after authentication.
//
// Login (LOGIN) and Authenticate (SASL PLAIN with SASL-IR, XOAUTH2,
// OAUTHBEARER with the RFC 7628 error dance) take a Secret: a string, a
// callback or a shell command whose output is the password; it is fetched
// for each login and not kept. LOGINDISABLED is respected.
//
// # Decoded text
//
// ENVELOPE subjects and display names come decoded (RFC 2047, the raw
// form kept in RawSubject and RawName); BODYSTRUCTURE parameters are
// joined and decoded (RFC 2231), and BodyStructure.Filename names an
// attachment. Search and UIDSearch send CHARSET UTF-8 themselves for
// criteria that are not ASCII.
//
// # Commands
//
// Every method takes a context. Commands from any number of goroutines are
// pipelined: each gets a tag and is written at once (Start returns a Cmd
// to Wait on later); at most Options.MaxInFlight are in flight and the
// rest queue in FIFO order. A command waiting for a continuation request
// (a synchronizing literal, AUTHENTICATE) holds the writer, so nothing is
// sent behind it. A command whose context ends is abandoned: Wait returns,
// its responses are still read and dropped, its slot is freed when the
// server completes it. A context that ends while the command is half
// written breaks the connection (a half-sent command cannot be withdrawn).
//
// Typed methods exist for CAPABILITY, ID, ENABLE, NAMESPACE, LIST, STATUS,
// CREATE, DELETE, RENAME, SUBSCRIBE, SELECT/EXAMINE (CONDSTORE, QRESYNC),
// UNSELECT, CLOSE, FETCH (bodies streamed to a BodyFunc as io.Reader,
// message by message), STORE (UNCHANGEDSINCE → MODIFIED), APPEND
// (streamed; MULTIAPPEND), COPY, MOVE (with a fallback), EXPUNGE, SEARCH
// (ESEARCH), NOOP, LOGOUT and COMPRESS=DEFLATE. Command sends anything
// built from imap.Value and returns the tagged response and the untagged
// responses; Result.Typed converts them. Tagged NO/BAD come back as errors
// wrapping *imap.Error with the response code (imap.HasCode).
//
// # Untagged data and the Handler
//
// One reader goroutine decodes responses. IMAP does not say which command
// an untagged response answers, and servers that run pipelined commands
// in parallel (Dovecot) interleave the answers; each response goes to the
// oldest command in flight it fits exactly, else to the oldest that takes
// it as a fallback:
//
//	response              attributed to
//	ESEARCH (TAG "t")     the command tagged t (RFC 4731 §3.1); without TAG the oldest SEARCH/SORT
//	SEARCH, SORT, THREAD  the one such command in flight: commands answered this way (no
//	                      RETURN option, or no ESEARCH) are sent one at a time
//	STATUS                the STATUS of that mailbox (name as sent); else a LIST with
//	                      RETURN (STATUS) whose pattern matches it (RFC 5819)
//	LIST, LSUB            the oldest LIST/LSUB whose reference+pattern matches the name;
//	                      else the oldest LIST/LSUB
//	FETCH                 the oldest FETCH/STORE whose set holds the message (by UID or
//	                      sequence number), not yet answered for it, that asked for an
//	                      item it carries (UID, FLAGS, MODSEQ come unasked and do not
//	                      count); FLAGS alone for a message whose other items were
//	                      asked is a flag change, for the Handler; items none asked
//	                      make a fallback
//	VANISHED (EARLIER)    the oldest UID FETCH, else SELECT/EXAMINE in flight
//	CAPABILITY, ENABLED,  the oldest command of that name
//	NAMESPACE, ID
//	anything else         SELECT/EXAMINE and commands the client does not know (or whose
//	                      arguments are imap.Raw), as a fallback
//
// What no command takes (EXISTS, EXPUNGE, VANISHED, flag FETCHes, BYE,
// ALERT, capability changes, unsolicited STATUS or LIST) becomes an Event
// for Options.Handler and for the handlers registered, at any time, with
// Client.Handle (by event kind) or Client.HandleResponse (by response
// name, "*" for all); each returns the function that removes it. A
// Session's handlers stay registered across reconnects.
//
// The Handler runs on its own goroutine, fed by an unbounded FIFO queue,
// so a slow handler never stalls the reader and thus never delays command
// results. The queue is unbounded rather than bounded-with-coalescing
// because unilateral data is the server's account of the mailbox: EXPUNGE
// renumbers messages, so dropping or merging events would leave the
// handler with a wrong picture. The server sends such data at the pace of
// mailbox changes; the queue only grows when the handler is stuck, and a
// warning is logged at Options.QueueWarnSize queued events and at each
// doubling.
//
// # IDLE
//
// Idle keeps the connection in IDLE (RFC 2177) until its context ends. Any
// other command sends DONE first, runs, and IDLE resumes once no command
// has been active for Options.IdleGrace (100 ms), so that commands issued
// back to back do not each cost an IDLE and a DONE. IDLE is restarted every 28 minutes; without the IDLE
// capability Idle polls with NOOP.
//
// # Reconnecting
//
// Session wraps a Client and reconnects after a network error, timeout or
// BYE with exponential backoff and jitter, logs in, re-enables, re-selects
// and resumes Idle, reporting through the Handler. Commands meanwhile wait,
// bounded by their context (ErrReconnecting). Session has the typed
// methods of Client: reads that do not depend on the connection (Status,
// List, UIDFetch, UIDSearch, Noop, ...) are run again after a reconnect;
// other commands cut by the failure return a *ConnError. Both errors are
// IsRetryable. Session events come in the order EventDisconnected,
// EventReconnecting (once per attempt), EventReconnected.
//
// # Trace
//
// Options.Trace (a *slog.Logger) and Options.TraceWriter receive "C: " and
// "S: " lines. The "C: " lines are the bytes written, cut at CRLF:
// mailbox names as sent (modified UTF-7), literal headers such as {7+}
// and the literal's content on the lines that follow. The LOGIN password,
// the AUTHENTICATE initial response and SASL responses are always
// redacted; message bodies sent and literals over 4 KiB show as
// "<N bytes>". Server literals show as "{N bytes}" unless
// Options.TraceLiterals asks for the small ones.
package imapclient
