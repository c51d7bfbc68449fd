package statedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Errors returned (wrapped) by Tx methods; test with errors.Is.
var (
	// ErrNotFound: the row to update or delete does not exist.
	ErrNotFound = errors.New("not found")
	// ErrReadOnly: a write method was called in a View transaction.
	ErrReadOnly = errors.New("read-only transaction")
	// ErrConflict: the write would break a uniqueness or reference rule
	// (two pairs with one UID, a name already used, a mailbox that still
	// has pending intents, a reference to a missing mailbox).
	ErrConflict = errors.New("conflict with existing state")
	// ErrInvalid: a value is out of range or not canonical.
	ErrInvalid = errors.New("invalid value")
	// ErrStop, returned by an iteration callback, ends the iteration
	// early; the iterating method then returns nil.
	ErrStop = errors.New("stop iteration")
)

// Tx is one transaction, valid only inside the Update or View callback that
// received it, and only on that goroutine. Its methods use the context given
// to Update or View.
type Tx struct {
	ctx      context.Context
	tx       *sql.Tx
	path     string
	writable bool
	stmts    map[string]*sql.Stmt
	nextSP   int
	// onPrepare is DB.onPrepare (a test hook).
	onPrepare func(query string)
	count     *counters
}

// stmt returns the prepared statement for query, preparing it once per
// transaction.
func (t *Tx) stmt(query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	if t.onPrepare != nil {
		t.onPrepare(query)
	}
	s, err := t.tx.PrepareContext(t.ctx, query)
	if err != nil {
		return nil, t.errorf("prepare", err)
	}
	t.stmts[query] = s
	return s, nil
}

// closeStmts releases the cached statements.
func (t *Tx) closeStmts() {
	for q, s := range t.stmts {
		_ = s.Close()
		delete(t.stmts, q)
	}
}

// exec runs a write statement.
func (t *Tx) exec(op, query string, args ...any) (sql.Result, error) {
	if !t.writable {
		return nil, fmt.Errorf("statedb: %s: %s: %w", t.path, op, ErrReadOnly)
	}
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	res, err := s.ExecContext(t.ctx, args...)
	if err != nil {
		return nil, t.errorf(op, err)
	}
	return res, nil
}

// execOne runs a write statement that must change exactly one row.
func (t *Tx) execOne(op, query string, args ...any) error {
	res, err := t.exec(op, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.errorf(op, err)
	}
	if n == 0 {
		return fmt.Errorf("statedb: %s: %s: %w", t.path, op, ErrNotFound)
	}
	return nil
}

// query runs a read statement.
func (t *Tx) query(op, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(t.ctx, args...)
	if err != nil {
		return nil, t.errorf(op, err)
	}
	return rows, nil
}

// queryRow runs a statement returning at most one row and reads it with
// scan; found is false when there is no row.
func (t *Tx) queryRow(op, query string, args []any, scan func(func(dest ...any) error) error) (found bool, err error) {
	s, err := t.stmt(query)
	if err != nil {
		return false, err
	}
	err = scan(s.QueryRowContext(t.ctx, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.errorf(op, err)
	}
	return true, nil
}

// rows runs a read statement and calls scan for each row, with no other
// statement open while the caller later processes what scan collected.
func (t *Tx) rows(op, query string, args []any, scan func(func(dest ...any) error) error) error {
	rows, err := t.query(op, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows.Scan); err != nil {
			return t.errorf(op, err)
		}
	}
	return closeRows(t, op, rows)
}

// atomic runs fn inside a savepoint, so a multi-statement method either
// fully happens or not at all even when the caller goes on after its error.
func (t *Tx) atomic(fn func() error) error {
	if !t.writable {
		return fmt.Errorf("statedb: %s: %w", t.path, ErrReadOnly)
	}
	t.nextSP++
	name := fmt.Sprintf("sp%d", t.nextSP)
	if _, err := t.tx.ExecContext(t.ctx, "SAVEPOINT "+name); err != nil {
		return t.errorf("savepoint", err)
	}
	if err := fn(); err != nil {
		_, rbErr := t.tx.ExecContext(t.ctx, "ROLLBACK TO "+name+"; RELEASE "+name)
		return errors.Join(err, rbErr)
	}
	if _, err := t.tx.ExecContext(t.ctx, "RELEASE "+name); err != nil {
		return t.errorf("release savepoint", err)
	}
	return nil
}

// errorf wraps a driver error, naming the file and operation, and maps
// constraint failures to ErrConflict.
func (t *Tx) errorf(op string, err error) error {
	if isCode(err, codeConstraint) {
		return fmt.Errorf("statedb: %s: %s: %w: %w", t.path, op, ErrConflict, err)
	}
	return fmt.Errorf("statedb: %s: %s: %w", t.path, op, err)
}

// invalid returns an ErrInvalid error for op.
func (t *Tx) invalid(op, format string, args ...any) error {
	return fmt.Errorf("statedb: %s: %s: %w: %s", t.path, op, ErrInvalid, fmt.Sprintf(format, args...))
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes maps an empty slice to NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullID maps 0 to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// unixSec encodes t as Unix seconds, the zero time as 0.
func unixSec(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// unixNano encodes t as Unix nanoseconds, the zero time as 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromSec decodes unixSec.
func fromSec(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

// fromNano decodes unixNano.
func fromNano(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

// modseq checks that v fits SQLite's signed 64-bit integer (RFC 7162 §7
// limits mod-sequences to 63 bits anyway).
func modseq(v uint64) (int64, bool) {
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
