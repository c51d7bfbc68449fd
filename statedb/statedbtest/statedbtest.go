// Package statedbtest helps tests of packages that write the state
// database: open a throw-away database and check its invariants.
package statedbtest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/statedb"
)

// Check fails t, listing every violation, when db breaks one of its
// invariants (statedb.Invariants). Call it after every test that writes.
func Check(t testing.TB, db *statedb.DB) {
	t.Helper()
	err := db.CheckConsistency(context.Background())
	var ce *statedb.ConsistencyError
	switch {
	case err == nil:
	case errors.As(err, &ce):
		for _, v := range ce.Violations {
			t.Errorf("statedb %s: invariant %s violated: %s", ce.Path, v.Invariant, v.Detail)
		}
	default:
		t.Errorf("statedb consistency check: %v", err)
	}
}

// Open opens a new database in a temporary directory of t. At cleanup it
// checks the invariants (Check) and closes the database.
func Open(t testing.TB) *statedb.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), statedb.FileName)
	db, err := statedb.Open(context.Background(), path, statedb.Options{})
	if err != nil {
		t.Fatalf("statedbtest: open: %v", err)
	}
	t.Cleanup(func() {
		Check(t, db)
		if err := db.Close(); err != nil {
			t.Errorf("statedbtest: close: %v", err)
		}
	})
	return db
}
