package statedbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/statedb"
)

// recorder is a testing.TB that records Errorf calls instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheckPassesOnValidState(t *testing.T) {
	db := Open(t)
	err := db.Update(context.Background(), func(tx *statedb.Tx) error {
		m, err := tx.EnsureMailbox("INBOX", "INBOX")
		if err != nil {
			return err
		}
		_, err = tx.PutPair(statedb.Pair{Mailbox: m.ID, FarUID: 1, NearUID: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, db)
	if len(r.errors) != 0 {
		t.Errorf("Check reported %q on a valid database", r.errors)
	}
}

func TestCheckReportsEveryViolation(t *testing.T) {
	db := Open(t)
	var mb statedb.MailboxID
	err := db.Update(context.Background(), func(tx *statedb.Tx) error {
		m, err := tx.EnsureMailbox("INBOX", "INBOX")
		if err != nil {
			return err
		}
		mb = m.ID
		for uid := uint32(5); uid <= 6; uid++ {
			if _, err := tx.PutPair(statedb.Pair{Mailbox: mb, FarUID: uid, NearUID: uid}); err != nil {
				return err
			}
		}
		// A buggy engine records UIDNEXTs that are behind its pairs.
		m.FarUIDNext, m.NearUIDNext = 5, 5
		return tx.UpdateMailbox(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, db)
	got := strings.Join(r.errors, "\n")
	if len(r.errors) != 4 || !strings.Contains(got, "pair-far-uid-below-uidnext") ||
		!strings.Contains(got, "pair-near-uid-below-uidnext") || !strings.Contains(got, db.Path()) {
		t.Errorf("Check reported:\n%s\nwant 2 far and 2 near UIDNEXT violations naming the file", got)
	}
	// Repair, so Open's cleanup check passes.
	err = db.Update(context.Background(), func(tx *statedb.Tx) error {
		m, _, err := tx.Mailbox(mb)
		if err != nil {
			return err
		}
		m.FarUIDNext, m.NearUIDNext = 7, 7
		return tx.UpdateMailbox(m)
	})
	if err != nil {
		t.Fatal(err)
	}
}
