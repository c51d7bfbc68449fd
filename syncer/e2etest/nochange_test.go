package e2etest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/statedb"
)

// TestNoChangeRunSelectsNothing: a run over several mailboxes in which
// nothing changed since the last one learns that from one LIST-STATUS
// round trip: it SELECTs no mailbox, uses the one connection the store
// opened with, and commits nothing to the state database. A change on the
// server in one mailbox then costs that mailbox's SELECT only.
func TestNoChangeRunSelectsNothing(t *testing.T) {
	t.Parallel()
	r := newMaildirRig(t)
	srv, user := r.srv, r.user.Name
	g := newGen("nc", 3)
	const boxes = 6
	var first []seeded
	for i := range boxes {
		name := "INBOX"
		if i > 0 {
			name = fmt.Sprintf("Folder%d", i)
			srv.CreateMailbox(t, user, name)
		}
		s := seedMailbox(t, srv, user, name, g, 20, i)
		if i == 0 {
			first = s
		}
	}
	r.sync()
	// The folders rest: their directories' times are old enough to be
	// trusted (the Maildir store does not trust a directory changed in
	// the last two seconds), and the next run records them.
	ageDirs(t, r.root)
	r.sync()

	r.farWire.reset() // count as a new process would: from imapstore.New on
	r.listAtOpen = true
	r.reopen()
	before := stateFiles(t, r.root)
	res, _ := r.sync()
	if got := sumResult(res); !got.idle() {
		t.Fatalf("no-change run did something: %+v", got)
	}
	t.Logf("no-change run over %d mailboxes, %d bytes on the wire, commands:\n%s", boxes, r.farWire.total(), r.farWire.commands())
	if n := r.farWire.selects.Load(); n != 0 {
		t.Errorf("no-change run over %d mailboxes sent %d SELECT/EXAMINE, want 0; commands:\n%s", boxes, n, r.farWire.commands())
	}
	if n := r.farWire.dials.Load(); n != 1 {
		t.Errorf("no-change run opened %d connections, want 1", n)
	}
	if after := stateFiles(t, r.root); after != before {
		t.Errorf("no-change run wrote to the state database:\nbefore: %s\nafter:  %s", before, after)
	}

	// Round trips of a whole no-change run, from the login to the
	// logout, over a link whose delay keeps pipelined commands together:
	// LOGIN; ENABLE, NAMESPACE and LIST-STATUS; LOGOUT.
	r.farWire.reset()
	r.farWire.lag.Store(int64(20 * time.Millisecond))
	r.reopen()
	r.sync()
	r.close()
	r.farWire.lag.Store(0)
	t.Logf("no-change run: %d round trips", r.farWire.turns.Load())
	if n := r.farWire.turns.Load(); n > 3 {
		t.Errorf("no-change run took %d round trips, want at most 3; commands:\n%s", n, r.farWire.commands())
	}

	srv.AddFlags(t, user, "INBOX", first[0].uid, `\Flagged`)
	r.farWire.reset()
	r.reopen()
	res, _ = r.sync()
	if got := sumResult(res); got.Changed[1] != 1 {
		t.Errorf("run after one server flag change changed %v messages (far, near), want 1 near", got.Changed)
	}
	if n := r.farWire.selects.Load(); n != 1 {
		t.Errorf("run after a change in one mailbox sent %d SELECT/EXAMINE, want 1; commands:\n%s", n, r.farWire.commands())
	}
	if n := r.farWire.dials.Load(); n > 2 {
		t.Errorf("run after a change in one mailbox opened %d connections, want at most 2", n)
	}
}

// stateFiles describes the state database's files (size and modification
// time): a commit changes the WAL.
func stateFiles(tb testing.TB, root string) string {
	tb.Helper()
	db := statedb.DefaultPath(root)
	var b strings.Builder
	for _, p := range []string{db, db + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s: missing; ", filepath.Base(p))
			continue
		}
		fmt.Fprintf(&b, "%s: %d bytes, %s; ", filepath.Base(p), fi.Size(), fi.ModTime().Format("15:04:05.000000000"))
	}
	return b.String()
}

// ageDirs sets the mtime of every new/ and cur/ directory under root an
// hour back, as if the Maildir had rested since its last change.
func ageDirs(tb testing.TB, root string) {
	tb.Helper()
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || (d.Name() != "new" && d.Name() != "cur") {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		tb.Fatal(err)
	}
}
