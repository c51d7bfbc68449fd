package statedb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// Other synchronizers' SQLite files, read for `imapdir import`. They are
// opened read-only (never created, migrated or written) and every value
// read from them is checked by the caller like any untrusted input; the
// readers here bound only what they hold in memory per row.

// maxForeignText bounds one text value read from another tool's database.
const maxForeignText = 64 << 10

// openForeign opens another tool's SQLite file read-only.
func openForeign(ctx context.Context, path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	if !writable(filepath.Dir(abs)) || !writable(abs) {
		q.Set("immutable", "1")
	}
	db, err := sql.Open("sqlite", dsn(abs, Options{}, false)+"&"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// foreignText checks the length of a text value read from another tool's
// database.
func foreignText(path, what string, s sql.NullString) (string, error) {
	if len(s.String) > maxForeignText {
		return "", fmt.Errorf("%s: %s longer than %d bytes", path, what, maxForeignText)
	}
	return s.String, nil
}

// OfflineIMAPStatus is one row of an OfflineIMAP LocalStatus-sqlite file
// (offlineimap3, db_version 1 or 2): a message OfflineIMAP last saw on
// both sides, by its UID, with the flags (Maildir letters) and Gmail
// labels (comma-separated) it last agreed on.
type OfflineIMAPStatus struct {
	UID    int64
	Flags  string
	Labels string
}

// ReadOfflineIMAPStatus calls fn for each row of the LocalStatus-sqlite
// file at path, in UID order.
func ReadOfflineIMAPStatus(ctx context.Context, path string, fn func(OfflineIMAPStatus) error) error {
	db, err := openForeign(ctx, path)
	if err != nil {
		return fmt.Errorf("OfflineIMAP status %s: %w", path, err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRowContext(ctx, `SELECT value FROM metadata WHERE key = 'db_version'`).Scan(&version); err != nil {
		return fmt.Errorf("OfflineIMAP status %s: no db_version: %w", path, err)
	}
	query := `SELECT id, flags, labels FROM status ORDER BY id`
	switch version {
	case "2":
	case "1":
		query = `SELECT id, flags, '' FROM status ORDER BY id`
	default:
		return fmt.Errorf("OfflineIMAP status %s: db_version %q is not 1 or 2", path, version)
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("OfflineIMAP status %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		var flags, labels sql.NullString
		if err := rows.Scan(&uid, &flags, &labels); err != nil {
			return fmt.Errorf("OfflineIMAP status %s: %w", path, err)
		}
		row := OfflineIMAPStatus{UID: uid}
		if row.Flags, err = foreignText(path, "flags", flags); err != nil {
			return err
		}
		if row.Labels, err = foreignText(path, "labels", labels); err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("OfflineIMAP status %s: %w", path, err)
	}
	return nil
}
