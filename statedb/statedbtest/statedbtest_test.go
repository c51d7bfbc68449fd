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
	var nm statedb.NearMailbox
	err := db.Update(context.Background(), func(tx *statedb.Tx) error {
		var err error
		if nm, err = tx.AddNearMailbox("INBOX", 1); err != nil {
			return err
		}
		// A buggy store stamps changes with generations it never reached.
		for _, u := range []string{"u1", "u2"} {
			msg := statedb.NearMessage{Mailbox: nm.ID, UniqueName: u, Subdir: "cur", FileName: u + ":2,S", ChangedGen: 9}
			if _, err := tx.AssignNearUID(msg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, db)
	got := strings.Join(r.errors, "\n")
	if len(r.errors) != 2 || !strings.Contains(got, "near-message-changed-gen") || !strings.Contains(got, db.Path()) {
		t.Errorf("Check reported:\n%s\nwant 2 changed-generation violations naming the file", got)
	}
	// Repair, so Open's cleanup check passes.
	err = db.Update(context.Background(), func(tx *statedb.Tx) error {
		m, _, err := tx.NearMailbox(nm.ID)
		if err != nil {
			return err
		}
		m.Generation = 9
		return tx.UpdateNearMailbox(m)
	})
	if err != nil {
		t.Fatal(err)
	}
}
