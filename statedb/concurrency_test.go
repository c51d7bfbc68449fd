package statedb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUpdatesAndViews runs writers and readers at once; every
// write must land and every read must see a consistent snapshot.
func TestConcurrentUpdatesAndViews(t *testing.T) {
	db := openTest(t)
	const writers, readers, rounds, perRound = 3, 3, 10, 20
	ids := make([]MailboxID, writers)
	update(t, db, func(tx *Tx) error {
		for w := range ids {
			ids[w] = addMailbox(t, tx, fmt.Sprint("mb", w), fmt.Sprint("mb", w))
		}
		return nil
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for r := 0; r < rounds; r++ {
				err := db.Update(ctx, func(tx *Tx) error {
					for i := 0; i < perRound; i++ {
						if _, err := tx.PutPair(Pair{Mailbox: ids[w], FarUID: uint32(r*perRound + i + 1)}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for rd := 0; rd < readers; rd++ {
		wg.Go(func() {
			for r := 0; r < rounds; r++ {
				err := db.View(ctx, func(tx *Tx) error {
					for _, mb := range ids {
						n, err := tx.CountPairs(mb)
						if err != nil {
							return err
						}
						if n%perRound != 0 { // a transaction is seen whole or not at all
							return fmt.Errorf("mailbox %d: %d pairs, not a multiple of %d", mb, n, perRound)
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	view(t, db, func(tx *Tx) error {
		for _, mb := range ids {
			if n, err := tx.CountPairs(mb); err != nil || n != rounds*perRound {
				t.Errorf("mailbox %d: %d pairs %v, want %d", mb, n, err, rounds*perRound)
			}
		}
		return nil
	})
}

// holdWriteLock opens a second handle on db's file (as another process
// would) and holds its write lock until release is closed.
func holdWriteLock(t *testing.T, db *DB, release <-chan struct{}) <-chan error {
	t.Helper()
	other, err := Open(context.Background(), db.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- other.Update(context.Background(), func(tx *Tx) error {
			close(held)
			<-release
			return tx.SetMeta("holder", "other")
		})
		other.Close()
	}()
	<-held
	return done
}

func TestUpdateRetriesWhenBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(context.Background(), path, Options{BusyTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := make(chan struct{})
	done := holdWriteLock(t, db, release)
	var attempts []int
	db.onBusy = func(attempt int) {
		if attempts = append(attempts, attempt); attempt == 0 {
			close(release)
			if err := <-done; err != nil { // the other writer has committed
				t.Errorf("other writer: %v", err)
			}
		}
	}
	update(t, db, func(tx *Tx) error { return tx.SetMeta("k", "v") })
	if len(attempts) != 1 {
		t.Errorf("busy retries %v, want exactly one", attempts)
	}
	view(t, db, func(tx *Tx) error {
		if v, _, _ := tx.Meta("holder"); v != "other" {
			t.Errorf("other writer's commit missing")
		}
		return nil
	})
}

func TestUpdateGivesUpWhenBusyTooLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(context.Background(), path, Options{BusyTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := make(chan struct{})
	done := holdWriteLock(t, db, release)
	retries := 0
	db.onBusy = func(int) { retries++ }
	err = db.Update(context.Background(), func(tx *Tx) error { return tx.SetMeta("k", "v") })
	close(release)
	if err := <-done; err != nil {
		t.Errorf("other writer: %v", err)
	}
	if !isCode(err, codeBusy) || retries != maxBusyRetries {
		t.Fatalf("Update = %v after %d retries, want SQLITE_BUSY after %d", err, retries, maxBusyRetries)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

// TestOpenWhileAnotherWriterHoldsTheLock opens an up-to-date file while
// another handle is inside a write transaction: Open must not need the
// write lock, and reads must work.
func TestOpenWhileAnotherWriterHoldsTheLock(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error { return tx.SetMeta("k", "v") })
	release := make(chan struct{})
	done := holdWriteLock(t, db, release)
	defer func() {
		close(release)
		if err := <-done; err != nil {
			t.Errorf("other writer: %v", err)
		}
	}()
	reader, err := Open(context.Background(), db.Path(), Options{BusyTimeout: time.Millisecond})
	if err != nil {
		t.Fatalf("Open during another write transaction: %v", err)
	}
	defer reader.Close()
	view(t, reader, func(tx *Tx) error {
		if v, ok, err := tx.Meta("k"); err != nil || !ok || v != "v" {
			t.Errorf("Meta = %q %v %v", v, ok, err)
		}
		return nil
	})
}
