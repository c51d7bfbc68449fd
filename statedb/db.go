package statedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"modernc.org/sqlite" // registers the pure-Go driver "sqlite"
)

// FileName is the default name of the state database in an account's
// Maildir root.
const FileName = ".imapdir.sqlite3"

// DefaultPath returns the default database path for the account whose
// Maildir root is root.
func DefaultPath(root string) string { return filepath.Join(root, FileName) }

// Options tune [Open]. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long one statement waits for a lock held by another
	// connection before failing with SQLITE_BUSY (which Update then retries).
	// Zero means 5 seconds.
	BusyTimeout time.Duration
	// MaxReaders bounds the connections used by View. Zero means 4.
	MaxReaders int
	// CacheKiB caps the page cache of each connection, in KiB (PRAGMA
	// cache_size); zero leaves SQLite's default (2 000 KiB). The file's
	// pages stay in the kernel's page cache either way.
	CacheKiB int
}

// DB is an open state database. It is safe for concurrent use: Update calls
// are serialized on a single writer connection, View calls run on a pool of
// read-only connections and see a consistent snapshot (WAL mode).
type DB struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	onBusy func(attempt int) // test hook: called before each busy retry
	// onPrepare is a test hook: called with every statement a Tx prepares.
	onPrepare func(query string)
	count     *counters
}

// Open opens the state database at path, creating it (mode 0600) when it
// does not exist, and migrates its schema to [SchemaVersion].
//
// It fails, naming the file, when the file is not a SQLite database or is
// corrupt (it never recreates such a file), when it belongs to another
// application, and with a [*SchemaVersionError] when it was written by a
// newer imapdir.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("statedb: open %s: %w", path, err)
	}
	if err := createFile(abs); err != nil {
		return nil, err
	}
	db := &DB{path: abs, count: new(counters)}
	if db.writer, err = sql.Open("sqlite", dsn(abs, opts, true)); err != nil {
		return nil, fmt.Errorf("statedb: open %s: %w", abs, err)
	}
	// One writer connection: writes in this process serialize here instead
	// of contending for SQLite's lock.
	db.writer.SetMaxOpenConns(1)
	db.writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, db.writer, abs); err != nil {
		db.writer.Close()
		return nil, err
	}
	if db.reader, err = sql.Open("sqlite", dsn(abs, opts, false)); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("statedb: open %s: %w", abs, err)
	}
	n := opts.MaxReaders
	if n <= 0 {
		n = 4
	}
	db.reader.SetMaxOpenConns(n)
	db.reader.SetMaxIdleConns(n)
	return db, nil
}

// createFile creates path with mode 0600 if it is missing, so SQLite never
// creates it with the process umask (SQLite gives the -wal and -shm files the
// database file's mode), and makes the new directory entry durable.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("statedb: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("statedb: create %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("statedb: create %s: %w", path, err)
	}
	return nil
}

// syncDir fsyncs directory dir.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// dsn builds the driver's data source name for path.
//
// Every connection gets busy_timeout and foreign_keys. The writer also sets
// journal_mode=WAL and synchronous=FULL. FULL, not NORMAL: in WAL mode NORMAL
// does not fsync the WAL at commit, so a committed transaction can be lost on
// power failure. "Intent before effect" needs the intent's commit durable
// before the effect (an APPEND, a file delivery) happens, and a result's
// commit durable before the next step relies on it; FULL syncs the WAL on
// every commit. Write transactions begin IMMEDIATE so a transaction never has
// to upgrade a read lock to a write lock (which fails without waiting).
func dsn(path string, opts Options, writer bool) string {
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if opts.CacheKiB > 0 {
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(opts.CacheKiB)+")")
	}
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "1")
	}
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	return u.String() + "?" + q.Encode()
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database. Transactions still running fail.
func (db *DB) Close() error {
	errR := db.reader.Close()
	var errW error
	if db.writer != nil { // nil: opened by OpenReadOnly
		errW = db.writer.Close()
	}
	if err := errors.Join(errW, errR); err != nil {
		return fmt.Errorf("statedb: close %s: %w", db.path, err)
	}
	return nil
}

// maxBusyRetries bounds how often Update reruns a transaction that failed
// with SQLITE_BUSY (after busy_timeout already waited).
const maxBusyRetries = 5

// Update runs fn in one write transaction and commits it when fn returns nil;
// any error (or panic) rolls everything back. The commit is durable when
// Update returns nil (synchronous=FULL).
//
// When SQLite reports the database busy, the whole transaction is rolled back
// and fn is called again (up to a few times), so fn must have no effects
// outside tx. Updates in one process are serialized; calling Update or View
// from inside fn deadlocks or sees stale data: use tx.
//
// A cancelled ctx does not stop an Update: a state write records work that
// is already done (a file delivered, a message appended), and dropping it
// because the user pressed Ctrl-C would make the next run redo or, worse,
// misjudge that work. The wait for a busy database is bounded by
// busy_timeout and maxBusyRetries instead; ctx's values are kept.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	if db.writer == nil {
		return fmt.Errorf("statedb: %s: opened read-only: %w", db.path, ErrReadOnly)
	}
	ctx = context.WithoutCancel(ctx)
	delay := 10 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := db.run(ctx, db.writer, true, fn)
		if !isCode(err, codeBusy) || attempt >= maxBusyRetries {
			return err
		}
		if db.onBusy != nil {
			db.onBusy(attempt)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("statedb: %s: %w (after %w)", db.path, ctx.Err(), err)
		case <-t.C:
		}
		delay *= 2
	}
}

// View runs fn in a read-only transaction over a consistent snapshot. Write
// methods of tx fail with [ErrReadOnly].
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, db.reader, false, fn)
}

// run executes fn in one transaction on pool.
func (db *DB) run(ctx context.Context, pool *sql.DB, writable bool, fn func(tx *Tx) error) (err error) {
	stx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap("begin", err)
	}
	if writable {
		db.count.updates.Add(1)
	} else {
		db.count.views.Add(1)
	}
	tx := &Tx{ctx: ctx, tx: stx, path: db.path, writable: writable, stmts: map[string]*sql.Stmt{},
		onPrepare: db.onPrepare, count: db.count}
	defer func() {
		if p := recover(); p != nil {
			tx.closeStmts()
			_ = stx.Rollback()
			panic(p)
		}
	}()
	err = fn(tx)
	tx.closeStmts()
	if err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return db.wrap("commit", err)
	}
	return nil
}

// wrap names the database file in an error.
func (db *DB) wrap(op string, err error) error {
	return fmt.Errorf("statedb: %s %s: %w", op, db.path, err)
}

// SQLite primary result codes (https://sqlite.org/rescode.html).
const (
	codeBusy       = 5
	codeCorrupt    = 11
	codeConstraint = 19
	codeNotADB     = 26
)

// isCode reports whether err carries the SQLite primary result code.
func isCode(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == code
}
