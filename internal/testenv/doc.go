// Package testenv starts a private, real Dovecot (Debian's dovecot-imapd,
// 2.3) for tests, and seeds and inspects its mail without going through
// the project's IMAP client. The system Dovecot is never used or touched.
//
// # Use
//
// Each test package shares one server, started on first use and stopped
// after its tests:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		srv := testenv.Dovecot(t)  // fails (never skips) without Dovecot
//		u := srv.NewUser(t)        // fresh user: tests stay independent
//		srv.CreateMailbox(t, u.Name, "Archive/2024")
//		uid := srv.SaveMessage(t, u.Name, "INBOX", raw)
//		conn, err := tls.Dial("tcp", srv.IMAPSAddr(), srv.TLSConfig())
//		// ... LOGIN u.Name u.Password, then check the truth:
//		srv.MessageFlags(t, u.Name, "INBOX", uid)
//	}
//
// Start gives a test its own server (for instance with Options.ExtraConfig
// to switch extensions off); it must be stopped with Stop.
//
// # The server
//
//   - 127.0.0.1 only; IMAPPort speaks plain IMAP with STARTTLS (LOGIN is
//     allowed without it), IMAPSPort implicit TLS. Ports are picked free at
//     start (retried if taken meanwhile).
//   - A throw-away ECDSA CA and server certificate for localhost,
//     127.0.0.1 and ::1: CAPEM and TLSConfig hand it to clients.
//   - Users from passwd-files (PLAIN passwords), mail in Maildir (LAYOUT=fs,
//     hierarchy separator "/", mailbox names UTF-8 in doveadm and modified
//     UTF-7 on the wire). Special-use mailboxes Drafts, Sent, Trash, Junk and
//     Archive carry their RFC 6154 attribute once created (none is created
//     automatically).
//   - After login Dovecot 2.3.19 advertises, among others, CONDSTORE,
//     QRESYNC, IDLE, UIDPLUS, MOVE, ESEARCH, LIST-EXTENDED, LIST-STATUS,
//     SPECIAL-USE, NOTIFY, LITERAL+, ENABLE, BINARY and COMPRESS=DEFLATE.
//   - Everything lives in one os.MkdirTemp directory (short, because
//     base_dir holds Unix sockets) with the log in it; Stop removes it.
//     A start-up failure's error carries the log's tail, and RunMain prints
//     the tail when a test failed.
//
// # Processes and root
//
// The master runs as `dovecot -F -c CONF`, a child of the test binary in
// its own process group, with Pdeathsig so a killed test binary leaves no
// Dovecot behind. Stop signals the group and waits (on pidfds) until none
// of its processes is left.
//
// Dovecot refuses to run mail processes as root. When the tests run as
// root (CI), mail belongs to the system user "imapdir-test" (created with
// useradd --system if missing; "mail" if that fails) and Dovecot's
// services run as Debian's "dovecot" and "dovenull" users. Otherwise
// everything runs as the current user.
//
// # Truth helpers
//
// Doveadm, CreateMailbox, ListMailboxes, SetFlags, AddFlags, RemoveFlags,
// MessageFlags, Fetch, FetchText, MailboxStatus, Expunge and
// ForceUIDValidityChange run doveadm with the server's config; as root
// doveadm acts as the user's mail uid. SaveMessage(s) APPENDs through
// Dovecot's own imap process, one process per batch, UIDs from APPENDUID;
// DeliverMessages seeds thousands at once by writing Maildir files as a
// delivery agent would. PreauthCommand spawns Dovecot's imap binary
// pre-authenticated on stdin/stdout, for fast protocol tests without
// network or login. None of them uses the project's IMAP client.
//
// # Cyrus and Courier
//
// Cyrus and Courier return a private Cyrus IMAP 3.6 and Courier-IMAP 5
// (shared per test binary like Dovecot; StartCyrus and StartCourier give
// a test its own), started from Debian's packages unpacked by
// internal/testenv/servers/install.sh: they conflict with dovecot-imapd,
// so they are never installed. Both listen on 127.0.0.1 (plain with
// STARTTLS, and implicit TLS) with their own configuration and spool in
// one temporary directory; passwords are checked by an authdaemon inside
// the test binary (Courier's protocol, which Cyrus's SASL library also
// speaks). Courier's login library only knows an authdaemon socket under
// /run, so Courier runs in a private mount namespace and needs root.
// Their seed and truth helpers speak IMAP (there is no doveadm), with
// the same neutral mailbox names as Dovecot's helpers. Kinds, Shared and
// MailServer let one test run on all three servers.
package testenv
