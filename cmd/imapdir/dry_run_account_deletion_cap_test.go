package main

import (
	"fmt"
	"strings"
	"testing"
)

func capTableRows(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && (f[0] == "INBOX" || f[0] == "B" || f[0] == "total") {
			out = append(out, strings.Join(f, " "))
		}
	}
	return strings.Join(out, "\n")
}

// TestDryRunAgreesWithRealRunUnderAccountDeletionCap: with the
// account-wide deletion cap (delete_guard_account) crossed, which
// mailboxes' deletions are carried out and which are held depends on the
// state alone (mailboxes are admitted in name order), never on which
// pass finishes first, so a dry run says what the real run then does,
// and the warning names the hold truly.
func TestDryRunAgreesWithRealRunUnderAccountDeletionCap(t *testing.T) {
	for round := 0; round < 3; round++ {
		a := newAccount(t, "delete_guard_account = 30\n")
		a.srv.CreateMailbox(t, a.user.Name, "B")
		var raws [][]byte
		for i := 0; i < 100; i++ {
			raws = append(raws, message(fmt.Sprintf("x %d", i)))
		}
		a.srv.SaveMessages(t, a.user.Name, "INBOX", raws...)
		a.srv.SaveMessages(t, a.user.Name, "B", raws[:40]...)
		a.run("sync").must(t, 0)
		var uids []uint32
		for u := uint32(1); u <= 20; u++ {
			uids = append(uids, u)
		}
		a.srv.Expunge(t, a.user.Name, "INBOX", uids...)
		a.srv.Expunge(t, a.user.Name, "B", uids[:15]...)
		dry := a.run("--dry-run", "sync")
		real := a.run("sync")
		if capTableRows(dry.stdout) != capTableRows(real.stdout) {
			t.Fatalf("round %d: the dry run's table differs from the real run's:\n%s\n--- real:\n%s", round, dry.stdout, real.stdout)
		}
		// Mailboxes are admitted in name order: INBOX's 20 go, B's 15 would
		// pass the cap and are held, and the warning says so.
		if !strings.Contains(real.stderr, "account-wide deletion guard") || strings.Contains(real.stderr, "held back in every mailbox") ||
			!strings.Contains(real.stderr, "the deletions of this and every later mailbox") {
			t.Fatalf("round %d: warning %q, want the account-wide guard's hold of this and later mailboxes", round, real.stderr)
		}
	}
}
