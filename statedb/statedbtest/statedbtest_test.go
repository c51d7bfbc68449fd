package statedbtest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/statedb"
	_ "modernc.org/sqlite" // to plant a violation the API refuses
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
	var mb statedb.NearMailbox
	err := db.Update(context.Background(), func(tx *statedb.Tx) error {
		var err error
		if mb, err = tx.AddNearMailbox("INBOX", 1); err != nil {
			return err
		}
		for i := 1; i <= 2; i++ {
			name := fmt.Sprintf("1700000000.M%dP1.host", i)
			if _, err := tx.AssignNearUID(statedb.NearMessage{Mailbox: mb.ID, UniqueName: name, Subdir: "cur", FileName: name + ":2,"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A hand edit (or a buggy older version) puts UIDNEXT behind the UIDs
	// given: the API refuses that, so it is planted with SQL.
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE near_mailboxes SET uidnext = 1 WHERE id = ?`, mb.ID); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, db)
	got := strings.Join(r.errors, "\n")
	if len(r.errors) != 2 || !strings.Contains(got, "near-message-uid-below-uidnext") || !strings.Contains(got, db.Path()) {
		t.Errorf("Check reported:\n%s\nwant the two near messages at or above UIDNEXT, naming the file", got)
	}
	// Repair, so Open's cleanup check passes.
	if _, err := raw.Exec(`UPDATE near_mailboxes SET uidnext = 3 WHERE id = ?`, mb.ID); err != nil {
		t.Fatal(err)
	}
}
