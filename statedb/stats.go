package statedb

import "sync/atomic"

// Stats counts what a DB did since it was opened. It is cheap enough to
// keep always on; tests use it to show that work grows with the changes,
// not with the mailbox (a per-message transaction or a read of every row
// of an unchanged folder shows up here).
type Stats struct {
	// Updates is the number of write transactions run (each attempt of
	// an Update, committed or not).
	Updates int64
	// Views is the number of read-only transactions run.
	Views int64
	// NearRowsRead is the number of near_messages rows read (a lookup
	// of one row counts one, found or not).
	NearRowsRead int64
	// PairRowsRead is the number of pairs rows read, counted alike.
	PairRowsRead int64
}

// counters is the live form of Stats, shared by a DB and its Txs.
type counters struct {
	updates, views, nearRows, pairRows atomic.Int64
}

// Stats returns the counts so far.
func (db *DB) Stats() Stats {
	return Stats{
		Updates:      db.count.updates.Load(),
		Views:        db.count.views.Load(),
		NearRowsRead: db.count.nearRows.Load(),
		PairRowsRead: db.count.pairRows.Load(),
	}
}

// Sub returns the difference s - before, the work done between two reads.
func (s Stats) Sub(before Stats) Stats {
	return Stats{
		Updates:      s.Updates - before.Updates,
		Views:        s.Views - before.Views,
		NearRowsRead: s.NearRowsRead - before.NearRowsRead,
		PairRowsRead: s.PairRowsRead - before.PairRowsRead,
	}
}
