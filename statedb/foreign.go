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

// maxForeignFlags bounds the flags or labels of one message read from
// another tool's database.
const maxForeignFlags = 1000

// CopimapMessage is one row of copimap's message table with its flags and
// labels (map_flag_message, map_label_message): the server's UID, the
// file's path relative to the folder as copimap last saw it ("cur/…" or
// "new/…"), and the server's flags (IMAP names) and Gmail labels as
// copimap last fetched them.
type CopimapMessage struct {
	UID       int64
	Path      string
	MessageID string
	Flags     []string
	Labels    []string
}

// CopimapState is a copimap folder database (.copimap.sqlite3): the
// mailbox table's integer values by key (copimap writes UIDVALIDITY,
// UIDNEXT, EXISTS, RECENT, UNSEEN, $HIGHESTMODSEQ, _db_version_) and
// the messages in UID order.
type CopimapState struct {
	Mailbox  map[string]int64
	Messages []CopimapMessage
}

// ReadCopimap reads the copimap folder database at path.
func ReadCopimap(ctx context.Context, path string) (*CopimapState, error) {
	db, err := openForeign(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("copimap database %s: %w", path, err)
	}
	defer db.Close()
	st := &CopimapState{Mailbox: map[string]int64{}}
	if err := readCopimapMailbox(ctx, db, path, st); err != nil {
		return nil, err
	}
	if err := readCopimapMessages(ctx, db, path, st); err != nil {
		return nil, err
	}
	byUID := make(map[int64]int, len(st.Messages))
	for i, m := range st.Messages {
		byUID[m.UID] = i
	}
	for _, t := range []struct {
		query string
		add   func(m *CopimapMessage, v string)
	}{
		{`SELECT message, flag FROM map_flag_message ORDER BY message, flag`,
			func(m *CopimapMessage, v string) { m.Flags = append(m.Flags, v) }},
		{`SELECT message, label FROM map_label_message ORDER BY message, label`,
			func(m *CopimapMessage, v string) { m.Labels = append(m.Labels, v) }},
	} {
		err := foreignRows(ctx, db, path, t.query, func(uid int64, v string) error {
			i, ok := byUID[uid]
			if !ok {
				return nil // the foreign key cascades; a stray row means nothing
			}
			m := &st.Messages[i]
			if len(m.Flags)+len(m.Labels) >= maxForeignFlags {
				return fmt.Errorf("copimap database %s: UID %d has more than %d flags and labels", path, uid, maxForeignFlags)
			}
			t.add(m, v)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return st, nil
}

func readCopimapMailbox(ctx context.Context, db *sql.DB, path string, st *CopimapState) error {
	rows, err := db.QueryContext(ctx, `SELECT key, intval FROM mailbox WHERE intval IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("copimap database %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key sql.NullString
		var v int64
		if err := rows.Scan(&key, &v); err != nil {
			return fmt.Errorf("copimap database %s: %w", path, err)
		}
		k, err := foreignText(path, "mailbox key", key)
		if err != nil {
			return err
		}
		if len(st.Mailbox) >= maxForeignFlags {
			return fmt.Errorf("copimap database %s: more than %d mailbox keys", path, maxForeignFlags)
		}
		st.Mailbox[k] = v
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("copimap database %s: %w", path, err)
	}
	return nil
}

// foreignRows calls fn for each (integer, text) row query returns.
func foreignRows(ctx context.Context, db *sql.DB, path, query string, fn func(int64, string) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var t sql.NullString
		if err := rows.Scan(&n, &t); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v, err := foreignText(path, "value", t)
		if err != nil {
			return err
		}
		if err := fn(n, v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readCopimapMessages(ctx context.Context, db *sql.DB, path string, st *CopimapState) error {
	rows, err := db.QueryContext(ctx, `SELECT uid, path, message_id FROM message ORDER BY uid`)
	if err != nil {
		return fmt.Errorf("copimap database %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m CopimapMessage
		var p, id sql.NullString
		if err := rows.Scan(&m.UID, &p, &id); err != nil {
			return fmt.Errorf("copimap database %s: %w", path, err)
		}
		if m.Path, err = foreignText(path, "path", p); err != nil {
			return err
		}
		if m.MessageID, err = foreignText(path, "message_id", id); err != nil {
			return err
		}
		st.Messages = append(st.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("copimap database %s: %w", path, err)
	}
	return nil
}
