package statedb

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// bulkPairs is the size of the large-mailbox test and benchmarks.
const bulkPairs = 100_000

// fillPairs inserts n pairs into a new mailbox pair named name in one
// transaction and returns the mailbox id. Pair i has far UID 2i+1, near
// UID i+1 and Message-ID "<i>@bulk".
func fillPairs(tb testing.TB, db *DB, name string, n int) MailboxID {
	tb.Helper()
	var mb MailboxID
	flags := []FlagSet{"", `\Seen`, `$Forwarded \Seen`, `\Flagged \Seen work`}
	date := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	update(tb, db, func(tx *Tx) error {
		var err error
		mb, err = tx.AddMailbox(Mailbox{FarName: name, NearName: name,
			FarUIDNext: uint32(2*n + 1), NearUIDNext: uint32(n + 1)})
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			_, err := tx.PutPair(Pair{Mailbox: mb, FarUID: uint32(2*i + 1), NearUID: uint32(i + 1),
				Flags: flags[i%len(flags)], Size: int64(1000 + i), InternalDate: date.Add(time.Duration(i) * time.Minute),
				MessageID: fmt.Sprintf("%d@bulk", i), EmailID: fmt.Sprintf("E%d", i)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return mb
}

// TestHundredThousandPairs inserts 100 000 pairs in one transaction, then
// looks every one up by far UID and near UID, some by Message-ID and
// EMAILID, and iterates them all.
//
// Under -race or -short it uses 10 000 pairs (the race detector slows the
// transpiled SQLite about 40×); the full size runs in the plain test run.
func TestHundredThousandPairs(t *testing.T) {
	bulkPairs := bulkPairs
	if raceEnabled || testing.Short() {
		bulkPairs = 10_000
	}
	db := openTest(t)
	start := time.Now()
	mb := fillPairs(t, db, "INBOX", bulkPairs)
	inserted := time.Since(start)
	start = time.Now()
	view(t, db, func(tx *Tx) error {
		for i := 0; i < bulkPairs; i++ {
			p, ok, err := tx.PairByFarUID(mb, uint32(2*i+1))
			if err != nil || !ok || p.NearUID != uint32(i+1) || p.Size != int64(1000+i) {
				t.Fatalf("far UID %d: %+v %v %v", 2*i+1, p, ok, err)
			}
			q, ok, err := tx.PairByNearUID(mb, uint32(i+1))
			if err != nil || !ok || q.ID != p.ID {
				t.Fatalf("near UID %d: %+v %v %v", i+1, q, ok, err)
			}
		}
		for i := 0; i < bulkPairs; i += 997 {
			byEID, err := tx.PairsByEmailID(0, fmt.Sprintf("E%d", i))
			if err != nil || len(byEID) != 1 || byEID[0].NearUID != uint32(i+1) {
				t.Fatalf("EMAILID %d: %v %v", i, byEID, err)
			}
		}
		if _, ok, _ := tx.PairByFarUID(mb, 2); ok {
			t.Error("found a pair for an unused far UID")
		}
		n := 0
		err := tx.IteratePairs(mb, func(p Pair) error {
			if p.FarUID != uint32(2*n+1) {
				t.Fatalf("pair %d has far UID %d", n, p.FarUID)
			}
			n++
			return nil
		})
		if err != nil || n != bulkPairs {
			t.Errorf("iterated %d pairs, %v", n, err)
		}
		return nil
	})
	t.Logf("%d pairs: insert in one transaction %v, 2×%d lookups + iteration %v",
		bulkPairs, inserted, bulkPairs, time.Since(start))
}

func BenchmarkInsert100kPairs(b *testing.B) {
	db := openTest(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		fillPairs(b, db, fmt.Sprint("mb", i), bulkPairs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*bulkPairs), "ns/pair")
}

// benchDB returns a database holding one mailbox of 100 000 pairs.
func benchDB(b *testing.B) (*DB, MailboxID) {
	db := openTest(b)
	mb := fillPairs(b, db, "INBOX", bulkPairs)
	b.ResetTimer()
	return db, mb
}

func BenchmarkPairByFarUID(b *testing.B) {
	db, mb := benchDB(b)
	err := db.View(context.Background(), func(tx *Tx) error {
		for i := 0; b.Loop(); i++ {
			if _, ok, err := tx.PairByFarUID(mb, uint32(2*(i%bulkPairs)+1)); err != nil || !ok {
				return fmt.Errorf("lookup %d: %v %v", i, ok, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkIterate100kPairs(b *testing.B) {
	db, mb := benchDB(b)
	for b.Loop() {
		view(b, db, func(tx *Tx) error {
			return tx.IteratePairs(mb, func(Pair) error { return nil })
		})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*bulkPairs), "ns/pair")
}

func BenchmarkCheckConsistency100kPairs(b *testing.B) {
	db, _ := benchDB(b)
	for b.Loop() {
		if err := db.CheckConsistency(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSmallUpdate measures one durable commit of one pair (the WAL is
// fsynced at every commit: synchronous=FULL), the floor under any
// per-message commit scheme and the reason to commit per batch.
func BenchmarkSmallUpdate(b *testing.B) {
	db := openTest(b)
	var mb MailboxID
	update(b, db, func(tx *Tx) error {
		var err error
		mb, err = tx.AddMailbox(Mailbox{FarName: "INBOX", NearName: "INBOX"})
		return err
	})
	for i := 0; b.Loop(); i++ {
		update(b, db, func(tx *Tx) error {
			_, err := tx.PutPair(Pair{Mailbox: mb, FarUID: uint32(i + 1)})
			return err
		})
	}
}
