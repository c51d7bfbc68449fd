package statedb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// seedValid writes a small valid state: mailbox 1 (far/near UIDNEXT 100)
// with pairs far 5/near 5 and far 6/near 6, intent 1, near mailbox 1
// (UIDNEXT 3) with messages "u1" and "u2".
func seedValid(t *testing.T, db *DB) {
	t.Helper()
	update(t, db, func(tx *Tx) error {
		mb, err := tx.AddMailbox(Mailbox{FarName: "INBOX", NearName: "INBOX", FarUIDNext: 100, NearUIDNext: 100})
		if err != nil {
			return err
		}
		for uid := uint32(5); uid <= 6; uid++ {
			p := Pair{Mailbox: mb, FarUID: uid, NearUID: uid, Flags: `\Seen`, MessageID: "m@x", ThreadID: "t"}
			if _, err := tx.PutPair(p); err != nil {
				return err
			}
		}
		if _, err := tx.AddIntent(Intent{Mailbox: mb, Kind: IntentCopyToNear, Source: Far, SourceUID: 7}); err != nil {
			return err
		}
		nm, err := tx.AddNearMailbox("INBOX", 1)
		if err != nil {
			return err
		}
		for _, u := range []string{"u1", "u2"} {
			if _, err := tx.AssignNearUID(nearMsg(nm.ID, u)); err != nil {
				return err
			}
		}
		return nil
	})
}

// plant runs raw SQL on the writer connection with foreign keys and CHECK
// constraints disabled, as a bug or a foreign tool could have left things.
func plant(t *testing.T, db *DB, sql string) {
	t.Helper()
	q := "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON; " + sql +
		"; PRAGMA foreign_keys = ON; PRAGMA ignore_check_constraints = OFF"
	if _, err := db.writer.Exec(q); err != nil {
		t.Fatalf("plant %q: %v", sql, err)
	}
}

// plants holds, per invariant, a way to break exactly that invariant.
func plants() map[string]string {
	return map[string]string{
		// Redefine an index behind SQLite's back: its entries no longer
		// match the table, which only an integrity check can see.
		"sqlite-integrity": `PRAGMA writable_schema = ON;
			UPDATE sqlite_schema SET sql = 'CREATE INDEX pairs_order ON pairs(mailbox_id, thread_id, near_uid)'
			WHERE name = 'pairs_order';
			PRAGMA writable_schema = OFF; PRAGMA schema_version = 1000`,
		"mailbox-valid":                  `UPDATE mailboxes SET state = 'exploded'`,
		"pair-mailbox-exists":            `INSERT INTO pairs (mailbox_id, far_uid) VALUES (999, 1)`,
		"pair-has-uid":                   `INSERT INTO pairs (mailbox_id) VALUES (1)`,
		"pair-far-uid-unique":            `DROP INDEX pairs_far_uid; INSERT INTO pairs (mailbox_id, far_uid, near_uid) VALUES (1, 5, 50)`,
		"pair-near-uid-unique":           `DROP INDEX pairs_near_uid; INSERT INTO pairs (mailbox_id, far_uid, near_uid) VALUES (1, 50, 5)`,
		"intent-mailbox-exists":          `UPDATE intents SET target_mailbox_id = 999`,
		"intent-valid":                   `UPDATE intents SET source_side = 'sideways'`,
		"near-mailbox-valid":             `UPDATE near_mailboxes SET uidvalidity = 0`,
		"near-message-mailbox-exists":    `INSERT INTO near_messages (mailbox_id, uid, unique_name, subdir, file_name) VALUES (999, 1, 'orphan', 'cur', 'orphan')`,
		"near-message-uid-below-uidnext": `UPDATE near_mailboxes SET uidnext = 2`,
		"near-message-unique-name": `DROP INDEX near_messages_unique_name;
			INSERT INTO near_mailboxes (id, name, uidvalidity, uidnext) VALUES (2, 'Other', 1, 2);
			INSERT INTO near_messages (mailbox_id, uid, unique_name, subdir, file_name) VALUES (2, 1, 'u1', 'new', 'u1')`,
		"near-message-file-name":   `UPDATE near_messages SET file_name = 'elsewhere' WHERE uid = 1`,
		"near-message-changed-gen": `UPDATE near_messages SET changed_gen = 5 WHERE uid = 1`,
		"flags-canonical":          `UPDATE pairs SET flags = 'work \Seen' WHERE far_uid = 5`,
	}
}

// TestConsistencyCatchesEachInvariant breaks each invariant in turn on a
// valid database and expects CheckConsistency to report that invariant and
// only that one.
func TestConsistencyCatchesEachInvariant(t *testing.T) {
	p := plants()
	for _, inv := range Invariants() {
		t.Run(inv.Name, func(t *testing.T) {
			sql, ok := p[inv.Name]
			if !ok {
				t.Fatalf("no planted violation for invariant %q", inv.Name)
			}
			db := openRaw(t)
			seedValid(t, db)
			if err := db.CheckConsistency(context.Background()); err != nil {
				t.Fatalf("valid state reported: %v", err)
			}
			plant(t, db, sql)
			err := db.CheckConsistency(context.Background())
			var ce *ConsistencyError
			if !errors.As(err, &ce) || len(ce.Violations) == 0 {
				t.Fatalf("CheckConsistency = %v, want violations of %s", err, inv.Name)
			}
			seen := false
			for _, v := range ce.Violations {
				seen = seen || v.Invariant == inv.Name
				// integrity_check also reports broken CHECK constraints.
				if v.Invariant == "sqlite-integrity" && strings.Contains(v.Detail, "CHECK constraint failed") {
					continue
				}
				if v.Invariant != inv.Name {
					t.Errorf("unexpected violation %s: %s", v.Invariant, v.Detail)
				}
			}
			if !seen {
				t.Errorf("%s not reported", inv.Name)
			}
			if !strings.Contains(err.Error(), inv.Name) || !strings.Contains(err.Error(), db.Path()) {
				t.Errorf("error %q does not name the invariant and the file", err)
			}
		})
	}
}

// TestConsistencyReportsAllViolations plants several violations at once.
func TestConsistencyReportsAllViolations(t *testing.T) {
	db := openRaw(t)
	seedValid(t, db)
	p := plants()
	want := []string{"mailbox-valid", "pair-has-uid", "intent-valid", "flags-canonical"}
	for _, name := range want {
		plant(t, db, p[name])
	}
	// Also inside a write transaction, before commit.
	err := db.Update(context.Background(), func(tx *Tx) error { return tx.CheckConsistency() })
	var ce *ConsistencyError
	if !errors.As(err, &ce) {
		t.Fatalf("CheckConsistency = %v", err)
	}
	got := map[string]bool{}
	for _, v := range ce.Violations {
		got[v.Invariant] = true
	}
	for _, name := range want {
		if !got[name] {
			t.Errorf("violation of %s not reported (got %v)", name, ce.Violations)
		}
	}
}

// openRaw opens a database that is closed, but not checked, at cleanup.
func openRaw(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir()+"/"+FileName, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCorruptPageIsReported damages a page in the middle of a closed
// database: Open either refuses it naming the file, or the consistency
// check reports it; nothing panics and nothing is silently recreated.
func TestCorruptPageIsReported(t *testing.T) {
	path := t.TempDir() + "/" + FileName
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillPairs(t, db, "INBOX", 2000)
	if _, err := db.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	garbage := bytes.Repeat([]byte{0xA5}, 512)
	if _, err := f.WriteAt(garbage, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	f.Close()

	db, err = Open(context.Background(), path, Options{})
	if err != nil {
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open error %q does not name the file", err)
		}
		return
	}
	defer db.Close()
	err = db.CheckConsistency(context.Background())
	var ce *ConsistencyError
	if !errors.As(err, &ce) || ce.Violations[0].Invariant != "sqlite-integrity" || !strings.Contains(err.Error(), path) {
		t.Fatalf("CheckConsistency on a damaged file = %v, want sqlite-integrity violations naming it", err)
	}
	t.Logf("reported: %.300s", err)
}
