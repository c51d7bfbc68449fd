package statedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// ErrOldSchema is returned by OpenReadOnly for a file whose schema is older
// than SchemaVersion: migrating it needs a writable open (a sync does it).
var ErrOldSchema = errors.New("written by an older imapdir; run a sync to upgrade it")

// OpenReadOnly opens an existing state database for reading only, for
// `imapdir status`: it never creates, migrates or writes the file, and
// works on a Maildir the user may not write (a backup, a read-only mount,
// another user's files). Update fails with ErrReadOnly.
//
// When the directory or the file is not writable, SQLite cannot create or
// use the WAL's shared-memory file, so the file is opened immutable
// (https://sqlite.org/uri.html#uriimmutable): without locks, and without
// what a running sync holds in its WAL and has not checkpointed yet — the
// status may then lag the latest commits of a sync running at that moment.
func OpenReadOnly(ctx context.Context, path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("statedb: open %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("statedb: open %s: %w", abs, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	if !writable(filepath.Dir(abs)) || !writable(abs) {
		q.Set("immutable", "1")
	}
	reader, err := sql.Open("sqlite", dsn(abs, opts, false)+"&"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("statedb: open %s: %w", abs, err)
	}
	n := opts.MaxReaders
	if n <= 0 {
		n = 4
	}
	reader.SetMaxOpenConns(n)
	version, err := checkIdentity(ctx, reader, abs)
	if err == nil && version > SchemaVersion {
		err = &SchemaVersionError{Path: abs, File: version, Code: SchemaVersion}
	}
	if err == nil && version < SchemaVersion {
		err = fmt.Errorf("statedb: %s: %w", abs, ErrOldSchema)
	}
	if err != nil {
		reader.Close()
		return nil, err
	}
	return &DB{path: abs, reader: reader, count: new(counters)}, nil
}
