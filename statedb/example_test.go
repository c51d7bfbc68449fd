package statedb_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/imapdir/imapdir/statedb"
)

// Example shows "intent before effect": the intent is committed before a
// message is copied, and resolved into a pair after.
func Example() {
	ctx := context.Background()
	root, err := os.MkdirTemp("", "statedb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)

	lock, err := statedb.AcquireLock(root) // one run per account
	if err != nil {
		log.Fatal(err) // a *statedb.LockedError names the holder's pid
	}
	defer lock.Close()
	db, err := statedb.Open(ctx, statedb.DefaultPath(root), statedb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// 1. Record the intent, durably, before touching either store.
	var mb statedb.MailboxID
	var intent statedb.IntentID
	err = db.Update(ctx, func(tx *statedb.Tx) error {
		m, err := tx.EnsureMailbox("INBOX", "INBOX")
		if err != nil {
			return err
		}
		mb = m.ID
		intent, err = tx.AddIntent(statedb.Intent{Mailbox: mb, Kind: statedb.IntentCopyToNear,
			Source: statedb.Far, SourceUID: 42, MessageID: "x@example.org", TempID: "1700000000.M1P1.host"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	// 2. The effect: deliver the message into the Maildir (not shown), which
	// gets near UID 1.

	// 3. Resolve: drop the intent and record the pair in one transaction.
	flags, _ := statedb.MakeFlagSet(`\Seen`, "work")
	err = db.Update(ctx, func(tx *statedb.Tx) error {
		_, err := tx.ResolveIntent(intent, statedb.Pair{Mailbox: mb, FarUID: 42, NearUID: 1,
			Flags: flags, MessageID: "x@example.org"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.View(ctx, func(tx *statedb.Tx) error {
		p, _, err := tx.PairByFarUID(mb, 42)
		pending, _ := tx.PendingIntents(0)
		fmt.Printf("far %d = near %d, flags %q, %d pending\n", p.FarUID, p.NearUID, p.Flags, len(pending))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(filepath.Base(db.Path()), db.CheckConsistency(ctx))
	// Output:
	// far 42 = near 1, flags "\\Seen work", 0 pending
	// .imapdir.sqlite3 <nil>
}
