package imapstore_test

import (
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store/storetest"
)

// TestConformanceDovecot runs the store suite against the test Dovecot
// with everything it offers (QRESYNC path).
func TestConformanceDovecot(t *testing.T) {
	storetest.Run(t, dovecotHarness(testenv.Dovecot(t)))
}

// TestConformanceDovecotCondStore runs it with QRESYNC ignored: the
// CONDSTORE-only path that Gmail takes (vanished UIDs from Known).
func TestConformanceDovecotCondStore(t *testing.T) {
	storetest.Run(t, dovecotHarness(testenv.Dovecot(t), imap.CapQResync))
}

// TestConformanceDovecotBare runs it with CONDSTORE, QRESYNC, UIDPLUS and
// MOVE ignored: no Changes, APPEND without UIDs, COPY + EXPUNGE moves and
// the expunge that spares other \Deleted messages.
func TestConformanceDovecotBare(t *testing.T) {
	storetest.Run(t, dovecotHarness(testenv.Dovecot(t), imap.CapCondStore, imap.CapQResync, imap.CapUIDPlus, imap.CapMove))
}
