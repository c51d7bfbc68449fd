package statedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// applicationID marks a SQLite file as an imapdir state database
// (PRAGMA application_id; the bytes "imdr").
const applicationID = 0x696d6472

// SchemaVersion is the schema version this code writes and understands
// (PRAGMA user_version after all migrations).
const SchemaVersion = 4

// ErrSchemaTooNew is wrapped by [*SchemaVersionError].
var ErrSchemaTooNew = errors.New("database written by a newer imapdir")

// SchemaVersionError reports a database whose schema version is newer than
// this code knows; Open refuses it rather than guess.
type SchemaVersionError struct {
	Path string // database file
	File int    // the file's user_version
	Code int    // SchemaVersion of this build
}

// Error names the file and both versions.
func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("statedb: %s has schema version %d, this imapdir knows up to %d: "+
		"use a newer imapdir (or restore an older backup of the file)", e.Path, e.File, e.Code)
}

// Unwrap returns ErrSchemaTooNew.
func (e *SchemaVersionError) Unwrap() error { return ErrSchemaTooNew }

// migrations returns the schema steps; step i brings user_version from i to
// i+1. Steps are append-only: never edit a released step, add a new one.
func migrations() []string {
	return []string{schemaV1, schemaV2, schemaV3, schemaV4}
}

// schemaV4 makes the mailbox row the one place of each side's checkpoint
// (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and the store's token in
// far_checkpoint/near_checkpoint): the copies the engine kept in meta
// (keys "syncer.checkpoint.<mailbox>.<side>") go, and the next run lists
// in full once where a store needs its token. Intents record the
// target's UIDNEXT when they were written, the floor of the search for an
// interrupted copy, and the UID the copy was given once the target told
// it. The indexes for looking pairs up by Message-ID and
// header hash go: nothing looks pairs up that way (re-pairing compares a
// listing with the pairs in memory).
const schemaV4 = `
DELETE FROM meta WHERE key LIKE 'syncer.checkpoint.%';
DROP INDEX pairs_header_hash;
DROP INDEX pairs_message_id;
ALTER TABLE intents ADD COLUMN search_floor INTEGER NOT NULL DEFAULT 0 CHECK (search_floor BETWEEN 0 AND 4294967295);
ALTER TABLE intents ADD COLUMN target_uid INTEGER NOT NULL DEFAULT 0 CHECK (target_uid BETWEEN 0 AND 4294967295);
`

// schemaV3 keeps each side's opaque checkpoint token (what a store needs to
// ask for changes since the last sync) next to UIDVALIDITY/UIDNEXT/MODSEQ.
const schemaV3 = `
ALTER TABLE mailboxes ADD COLUMN far_checkpoint TEXT NOT NULL DEFAULT '';  -- store's opaque token
ALTER TABLE mailboxes ADD COLUMN near_checkpoint TEXT NOT NULL DEFAULT '';
`

// schemaV2 indexes header hashes, to re-match messages without a usable
// Message-ID after a UIDVALIDITY change (DESIGN.md "No silent resets").
const schemaV2 = `
CREATE INDEX pairs_header_hash ON pairs(header_hash, mailbox_id) WHERE header_hash IS NOT NULL;
`

// schemaV1 is the first schema. Every table is STRICT; CHECK constraints keep
// values in their Go types' ranges. Empty strings mean "unknown" except for
// mailbox names, where NULL means "not present on that side (yet)" so that
// the UNIQUE constraints ignore them.
const schemaV1 = `
-- Account-level values (account id, far server identity, ...).
CREATE TABLE meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- One row per synchronized mailbox pair.
CREATE TABLE mailboxes (
	id                 INTEGER PRIMARY KEY,
	far_name           TEXT UNIQUE,  -- UTF-8, '/' hierarchy; NULL: not on far side
	near_name          TEXT UNIQUE,  -- UTF-8, '/' hierarchy; NULL: not on near side
	far_uidvalidity    INTEGER NOT NULL DEFAULT 0 CHECK (far_uidvalidity BETWEEN 0 AND 4294967295),
	near_uidvalidity   INTEGER NOT NULL DEFAULT 0 CHECK (near_uidvalidity BETWEEN 0 AND 4294967295),
	far_uidnext        INTEGER NOT NULL DEFAULT 0 CHECK (far_uidnext BETWEEN 0 AND 4294967295),   -- 0: unknown
	near_uidnext       INTEGER NOT NULL DEFAULT 0 CHECK (near_uidnext BETWEEN 0 AND 4294967295), -- 0: unknown
	far_highestmodseq  INTEGER NOT NULL DEFAULT 0 CHECK (far_highestmodseq >= 0),  -- 0: no CONDSTORE
	near_highestmodseq INTEGER NOT NULL DEFAULT 0 CHECK (near_highestmodseq >= 0),
	far_mailbox_id     TEXT NOT NULL DEFAULT '',  -- MAILBOXID (RFC 8474) when known
	near_mailbox_id    TEXT NOT NULL DEFAULT '',
	last_sync          INTEGER NOT NULL DEFAULT 0, -- Unix ns of the last completed sync; 0: never
	state              TEXT NOT NULL DEFAULT 'active',
	CHECK (far_name IS NOT NULL OR near_name IS NOT NULL)
) STRICT;

-- One row per message known on at least one side of a mailbox pair.
CREATE TABLE pairs (
	id            INTEGER PRIMARY KEY,
	mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	far_uid       INTEGER NOT NULL DEFAULT 0 CHECK (far_uid BETWEEN 0 AND 4294967295),   -- 0: not known yet
	near_uid      INTEGER NOT NULL DEFAULT 0 CHECK (near_uid BETWEEN 0 AND 4294967295), -- 0: not known yet
	flags         TEXT NOT NULL DEFAULT '',   -- canonical FlagSet, as last agreed
	labels        TEXT NOT NULL DEFAULT '',   -- canonical FlagSet of X-GM-LABELS
	size          INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0), -- RFC822.SIZE; 0: unknown
	internal_date INTEGER NOT NULL DEFAULT 0, -- INTERNALDATE, Unix seconds; 0: unknown
	message_id    TEXT NOT NULL DEFAULT '',   -- Message-ID without <>; '': none
	email_id      TEXT NOT NULL DEFAULT '',   -- EMAILID (RFC 8474) or X-GM-MSGID
	thread_id     TEXT NOT NULL DEFAULT '',   -- THREADID (RFC 8474) or X-GM-THRID
	header_hash   BLOB,                       -- hash of the header block; NULL: none
	CHECK (far_uid != 0 OR near_uid != 0)
) STRICT;
CREATE UNIQUE INDEX pairs_far_uid ON pairs(mailbox_id, far_uid) WHERE far_uid != 0;
CREATE UNIQUE INDEX pairs_near_uid ON pairs(mailbox_id, near_uid) WHERE near_uid != 0;
CREATE INDEX pairs_order ON pairs(mailbox_id, far_uid, near_uid);
CREATE INDEX pairs_message_id ON pairs(message_id, mailbox_id) WHERE message_id != '';
CREATE INDEX pairs_email_id ON pairs(email_id, mailbox_id) WHERE email_id != '';

-- Pending propagations: written before the effect, deleted when resolved.
CREATE TABLE intents (
	id                INTEGER PRIMARY KEY,
	mailbox_id        INTEGER NOT NULL REFERENCES mailboxes(id), -- no cascade: refuse losing intents
	kind              TEXT NOT NULL CHECK (kind != ''),
	source_side       TEXT NOT NULL CHECK (source_side IN ('far', 'near')),
	source_uid        INTEGER NOT NULL DEFAULT 0 CHECK (source_uid BETWEEN 0 AND 4294967295),
	target_mailbox_id INTEGER REFERENCES mailboxes(id), -- NULL: same mailbox / none
	message_id        TEXT NOT NULL DEFAULT '',
	size              INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
	internal_date     INTEGER NOT NULL DEFAULT 0, -- Unix seconds
	header_hash       BLOB,
	temp_id           TEXT NOT NULL DEFAULT '',   -- e.g. Maildir unique name chosen before delivery
	created           INTEGER NOT NULL            -- Unix ns
) STRICT;
CREATE INDEX intents_mailbox ON intents(mailbox_id);
CREATE INDEX intents_target ON intents(target_mailbox_id) WHERE target_mailbox_id IS NOT NULL;

-- The Maildir store's own mailboxes and UID assignment.
CREATE TABLE near_mailboxes (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE, -- UTF-8, '/' hierarchy
	uidvalidity INTEGER NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
	uidnext     INTEGER NOT NULL DEFAULT 1 CHECK (uidnext BETWEEN 1 AND 4294967295),
	generation  INTEGER NOT NULL DEFAULT 0 CHECK (generation >= 0), -- store's scan counter
	checkpoint  TEXT NOT NULL DEFAULT ''  -- store's opaque scan checkpoint
) STRICT;

-- One row per Maildir file with a UID.
CREATE TABLE near_messages (
	mailbox_id  INTEGER NOT NULL REFERENCES near_mailboxes(id) ON DELETE CASCADE,
	uid         INTEGER NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
	unique_name TEXT NOT NULL CHECK (unique_name != ''), -- file name without ":2,..." info
	subdir      TEXT NOT NULL CHECK (subdir IN ('cur', 'new')),
	file_name   TEXT NOT NULL,          -- full file name inside subdir
	flags       TEXT NOT NULL DEFAULT '', -- canonical FlagSet as last seen
	size        INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
	mtime       INTEGER NOT NULL DEFAULT 0, -- Unix ns
	changed_gen INTEGER NOT NULL DEFAULT 0 CHECK (changed_gen >= 0), -- store's scan generation of the last change seen
	PRIMARY KEY (mailbox_id, uid)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX near_messages_unique_name ON near_messages(unique_name);
`

// migrate checks the file's identity and version and applies the missing
// migrations in one transaction.
func migrate(ctx context.Context, pool *sql.DB, path string) error {
	return migrateTo(ctx, pool, path, len(migrations()))
}

// migrateTo brings the file to schema version target (tests use it to build
// files of older versions).
//
// A file already at target is only read: opening never waits for another
// process's write transaction (e.g. `imapdir status` during a sync).
func migrateTo(ctx context.Context, pool *sql.DB, path string, target int) error {
	version, err := checkIdentity(ctx, pool, path)
	if err != nil {
		return err
	}
	if n := len(migrations()); version > n {
		return &SchemaVersionError{Path: path, File: version, Code: n}
	}
	if version >= target {
		return nil
	}
	tx, err := pool.BeginTx(ctx, nil) // IMMEDIATE: then re-read under the write lock
	if err != nil {
		return openError(path, err)
	}
	defer func() { _ = tx.Rollback() }()
	return migrateTx(ctx, tx, path, target)
}

// migrateTx applies the migrations up to target inside tx and commits.
func migrateTx(ctx context.Context, tx *sql.Tx, path string, target int) error {
	version, err := checkIdentity(ctx, tx, path)
	if err != nil {
		return err
	}
	steps := migrations()
	if version > len(steps) {
		return &SchemaVersionError{Path: path, File: version, Code: len(steps)}
	}
	for v := version; v < target; v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return fmt.Errorf("statedb: %s: migration %d→%d: %w", path, v, v+1, err)
		}
	}
	if version < target {
		q := fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", target, applicationID)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("statedb: %s: set schema version: %w", path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return openError(path, err)
	}
	return nil
}

// queryer is *sql.DB or *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkIdentity returns the file's schema version after checking that it is
// an imapdir database (or a new, empty one).
func checkIdentity(ctx context.Context, tx queryer, path string) (int, error) {
	var version, appID, objects int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, openError(path, err)
	}
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return 0, openError(path, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return 0, openError(path, err)
	}
	if appID != applicationID && (appID != 0 || version != 0 || objects != 0) {
		return 0, fmt.Errorf("statedb: %s is a SQLite database of another application (application_id %#x), not an imapdir state database", path, appID)
	}
	return version, nil
}

// openError explains a failure to read the file, naming it.
func openError(path string, err error) error {
	if isCode(err, codeNotADB) || isCode(err, codeCorrupt) {
		return fmt.Errorf("statedb: %s is not a usable SQLite database (corrupt or another kind of file; "+
			"move it aside to start over): %w", path, err)
	}
	return fmt.Errorf("statedb: open %s: %w", path, err)
}
