package statedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openTest opens a fresh database in a temporary directory and checks its
// invariants and closes it at cleanup.
func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.CheckConsistency(context.Background()); err != nil {
			t.Errorf("after test: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// update runs fn in a write transaction and fails the test on error.
func update(t testing.TB, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a read transaction and fails the test on error.
func view(t testing.TB, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func TestOpenCreatesMigratedFileWithMode0600(t *testing.T) {
	db := openTest(t)
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode = %o, want 600", perm)
	}
	update(t, db, func(tx *Tx) error { return tx.SetMeta("k", "v") })
	if fi, err := os.Stat(db.Path() + "-wal"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("WAL file: %v %v, want mode 600", fi, err)
	}
	var version, appID int
	var journal string
	var sync, fk int
	err = db.writer.QueryRow("PRAGMA user_version").Scan(&version)
	if err == nil {
		err = db.writer.QueryRow("PRAGMA application_id").Scan(&appID)
	}
	if err == nil {
		err = db.writer.QueryRow("PRAGMA journal_mode").Scan(&journal)
	}
	if err == nil {
		err = db.writer.QueryRow("PRAGMA synchronous").Scan(&sync)
	}
	if err == nil {
		err = db.writer.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	}
	if err != nil {
		t.Fatal(err)
	}
	if version != SchemaVersion || appID != applicationID || journal != "wal" || sync != 2 || fk != 1 {
		t.Errorf("user_version %d application_id %#x journal %s synchronous %d foreign_keys %d; want %d %#x wal 2 1",
			version, appID, journal, sync, fk, SchemaVersion, applicationID)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *Tx) error { return tx.SetMeta("account", "alice") })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	view(t, db, func(tx *Tx) error {
		v, ok, err := tx.Meta("account")
		if err != nil || !ok || v != "alice" {
			t.Errorf("Meta = %q %v %v, want alice", v, ok, err)
		}
		return nil
	})
}

func TestOpenNewerSchemaFails(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path, Options{})
	var sv *SchemaVersionError
	if !errors.As(err, &sv) || !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want *SchemaVersionError", err)
	}
	if sv.File != 99 || sv.Code != SchemaVersion || sv.Path != path {
		t.Errorf("error fields = %+v", sv)
	}
	for _, want := range []string{path, "version 99", fmt.Sprintf("up to %d", SchemaVersion)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenCorruptFileFailsWithoutTouchingIt(t *testing.T) {
	for name, content := range map[string]string{
		"text":      "this is not a database, it is somebody's notes\n",
		"bad-magic": strings.Repeat("\x00garbage", 1024),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(context.Background(), path, Options{})
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open = %v, want an error naming %s", err, path)
			}
			got, _ := os.ReadFile(path)
			if string(got) != content {
				t.Errorf("file was modified")
			}
		})
	}
}

func TestOpenForeignDatabaseFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.sqlite3")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.Exec("PRAGMA application_id = 42"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), "another application") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open = %v, want 'another application' naming the file", err)
	}
}

func TestOpenMissingDirectoryNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", FileName)
	_, err := Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open = %v, want an error naming %s", err, path)
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%e")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	update(t, db, func(tx *Tx) error { return tx.SetMeta("k", "v") })
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
	}
}

func TestUpdateRollsBackOnError(t *testing.T) {
	db := openTest(t)
	boom := errors.New("boom")
	err := db.Update(context.Background(), func(tx *Tx) error {
		if err := tx.SetMeta("k", "v"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	view(t, db, func(tx *Tx) error {
		if _, ok, _ := tx.Meta("k"); ok {
			t.Error("write of a failed Update is visible")
		}
		return nil
	})
}

func TestViewRefusesWrites(t *testing.T) {
	db := openTest(t)
	err := db.View(context.Background(), func(tx *Tx) error { return tx.SetMeta("k", "v") })
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("SetMeta in View = %v, want ErrReadOnly", err)
	}
}

// A state write records work already done: Ctrl-C must not drop it.
func TestUpdateCommitsDespiteCanceledContext(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Update(ctx, func(tx *Tx) error { return tx.SetMeta("k", "v") }); err != nil {
		t.Fatalf("Update with canceled ctx = %v, want the write committed", err)
	}
	var got string
	if err := db.View(context.Background(), func(tx *Tx) error {
		var err error
		got, _, err = tx.Meta("k")
		return err
	}); err != nil || got != "v" {
		t.Fatalf("after the canceled Update, meta k = %q (%v), want v", got, err)
	}
}

func TestMeta(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		if err := tx.SetMeta("far-server", "imap.example.org"); err != nil {
			return err
		}
		if err := tx.SetMeta("far-server", "imap.example.net"); err != nil {
			return err
		}
		v, ok, err := tx.Meta("far-server")
		if err != nil || !ok || v != "imap.example.net" {
			t.Errorf("Meta = %q %v %v", v, ok, err)
		}
		if err := tx.DeleteMeta("far-server"); err != nil {
			return err
		}
		if _, ok, _ := tx.Meta("far-server"); ok {
			t.Error("deleted key still present")
		}
		return tx.DeleteMeta("never-set")
	})
}

// TestMigrateStepByStep builds a file at every older schema version, writes
// data into it, and checks that Open upgrades it keeping the data.
func TestMigrateStepByStep(t *testing.T) {
	ctx := context.Background()
	for from := 1; from < SchemaVersion; from++ {
		t.Run(fmt.Sprintf("from-%d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := createFile(path); err != nil {
				t.Fatal(err)
			}
			raw, err := sql.Open("sqlite", dsn(path, Options{}, true))
			if err != nil {
				t.Fatal(err)
			}
			err = migrateTo(ctx, raw, path, from)
			if err == nil {
				_, err = raw.Exec(`INSERT INTO mailboxes (id, far_name, near_name) VALUES (1, 'INBOX', 'INBOX');
					INSERT INTO pairs (mailbox_id, far_uid, near_uid, message_id, header_hash) VALUES (1, 3, 4, 'a@b', x'0102');
					INSERT INTO meta (key, value) VALUES ('syncer.checkpoint.1.far', '1 5 0 ""'), ('account', 'x')`)
			}
			raw.Close()
			if err != nil {
				t.Fatal(err)
			}
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatalf("Open of a version-%d file: %v", from, err)
			}
			defer db.Close()
			var version int
			if err := db.writer.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != SchemaVersion {
				t.Errorf("user_version = %d %v, want %d", version, err, SchemaVersion)
			}
			view(t, db, func(tx *Tx) error {
				p, ok, err := tx.PairByFarUID(1, 3)
				if err != nil || !ok || p.NearUID != 4 || p.MessageID != "a@b" {
					t.Errorf("pair after migration = %+v %v %v", p, ok, err)
				}
				if _, ok, err := tx.Meta("syncer.checkpoint.1.far"); ok || err != nil {
					t.Errorf("the engine's checkpoint copy in meta survived the migration (%v)", err)
				}
				if v, ok, err := tx.Meta("account"); !ok || v != "x" || err != nil {
					t.Errorf("other meta lost: %q %v %v", v, ok, err)
				}
				return nil
			})
			if err := db.CheckConsistency(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}
