package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/statedb"
)

// nearSide is an account's local side for one run: the Maildir root, the
// state database and the account lock.
type nearSide struct {
	root string
	db   *statedb.DB
	lock *statedb.Lock
	tmp  string // dry run: a scratch directory removed by close
}

// openNear takes the account lock and opens the state database at
// <maildir>/.imapdir.sqlite3. Under dryRun nothing in the Maildir is
// written: the engine and the Maildir store work on a scratch copy of the
// database, and an account never synced is seen as an empty Maildir.
func openNear(ctx context.Context, acct *config.Account, dryRun bool) (*nearSide, error) {
	n := &nearSide{root: acct.Maildir}
	err := n.open(ctx, dryRun)
	if err != nil {
		n.close()
		return nil, err
	}
	return n, nil
}

func (n *nearSide) open(ctx context.Context, dryRun bool) error {
	dbPath := statedb.DefaultPath(n.root)
	if dryRun {
		var err error
		if dbPath, err = n.scratch(); err != nil {
			return err
		}
	} else if err := os.MkdirAll(n.root, 0o700); err != nil {
		return fmt.Errorf("creating the Maildir: %w", err)
	}
	if err := n.takeLock(dryRun); err != nil {
		return err
	}
	db, err := statedb.Open(ctx, dbPath, statedb.Options{CacheKiB: stateCacheKiB})
	if err != nil {
		return fmt.Errorf("state database: %w", err)
	}
	n.db = db
	return nil
}

// takeLock takes the account lock next to the database. Under a dry run
// it is taken only where a lock file exists already, so that a dry run
// creates no file.
func (n *nearSide) takeLock(dryRun bool) error {
	if dryRun && !exists(filepath.Join(n.root, statedb.LockFileName)) {
		return nil
	}
	l, err := statedb.AcquireLock(n.root)
	if err != nil {
		return err
	}
	n.lock = l
	return nil
}

// scratch prepares a dry run: a temporary directory with a copy of the
// state database (and its WAL), and an empty Maildir when the account has
// none yet. It returns the database path to use.
func (n *nearSide) scratch() (string, error) {
	tmp, err := os.MkdirTemp("", "imapdir-dry-run-")
	if err != nil {
		return "", fmt.Errorf("dry run scratch directory: %w", err)
	}
	n.tmp = tmp
	real := statedb.DefaultPath(n.root)
	for _, suffix := range []string{"", "-wal"} {
		if err := copyIfExists(real+suffix, filepath.Join(tmp, statedb.FileName+suffix)); err != nil {
			return "", fmt.Errorf("dry run: copying the state database: %w", err)
		}
	}
	if !exists(n.root) {
		n.root = filepath.Join(tmp, "Maildir")
		if err := os.Mkdir(n.root, 0o700); err != nil {
			return "", fmt.Errorf("dry run: %w", err)
		}
	}
	return filepath.Join(tmp, statedb.FileName), nil
}

// close releases the database, the lock and the scratch directory.
func (n *nearSide) close() error {
	var errs []error
	if n.db != nil {
		errs = append(errs, n.db.Close())
	}
	if n.lock != nil {
		errs = append(errs, n.lock.Close())
	}
	if n.tmp != "" {
		errs = append(errs, os.RemoveAll(n.tmp))
	}
	return errors.Join(errs...)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// copyIfExists copies file src to dst (mode 0600); a missing src is fine.
func copyIfExists(src, dst string) error {
	in, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
