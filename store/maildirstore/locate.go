package maildirstore

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// located is where a file was found by locateAll.
type located struct {
	mailbox string
	entry   maildir.Entry
	kw      *maildir.Keywords
}

// locateAll maps the unique name of every file in every folder but skip to
// where it is. It runs only when a scan finds files missing, to tell a
// move by a mail reader from a deletion.
func (s *Store) locateAll(ctx context.Context, skip string) (map[string]located, error) {
	l, err := s.opts.Layout.List(ctx, s.opts.Root)
	if err != nil {
		return nil, err
	}
	out := map[string]located{}
	for _, name := range l.Names {
		if name == skip {
			continue
		}
		f, err := s.opts.Layout.Open(s.opts.Root, name, maildir.WithNamer(s.namer))
		if err != nil {
			continue // vanished meanwhile
		}
		entries, err := f.Scan(ctx, maildir.ScanOptions{})
		if err != nil {
			return nil, fmt.Errorf("scan %q: %w", name, err)
		}
		var kw *maildir.Keywords
		if s.opts.Keywords == KeywordsDovecot {
			if kw, err = f.ReadKeywords(); err != nil {
				return nil, err
			}
		}
		for _, e := range entries {
			out[e.Name.Unique] = located{mailbox: name, entry: e, kw: kw}
		}
	}
	return out, nil
}

// wireSizeOf returns the size a file has in wire form: every LF not
// preceded by CR counts two bytes (it is sent as CRLF).
func wireSizeOf(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var n int64
	var prev byte
	for {
		b, err := r.ReadByte()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n++
		if b == '\n' && prev != '\r' {
			n++
		}
		prev = b
	}
}

// moveRecord remembers a move seen by a scan until the folder's caller has
// recorded a checkpoint past it. Moves out of a folder are reported as
// ChangeSet.MovedOut, moves into it as Message.Origin.
type moveRecord struct {
	UID      uint32 `json:"uid"`       // UID in the folder the record belongs to
	Other    string `json:"other"`     // the folder on the other end
	OtherUID uint32 `json:"other_uid"` // the UID there
	Gen      uint64 `json:"gen"`       // this folder's generation of the move
}

func movesKey(id statedb.NearMailboxID) string {
	return "maildirstore.moved-out." + strconv.FormatInt(int64(id), 10)
}
func originsKey(id statedb.NearMailboxID) string {
	return "maildirstore.moved-in." + strconv.FormatInt(int64(id), 10)
}

func editsKey(id statedb.NearMailboxID) string {
	return "maildirstore.edited." + strconv.FormatInt(int64(id), 10)
}

// recordEdit notes that message newUID of the folder is the content of
// oldUID, edited in place (reported as Message.Replaces).
func recordEdit(tx *statedb.Tx, id statedb.NearMailboxID, name string, oldUID, newUID uint32, gen uint64) error {
	return appendRecord(tx, editsKey(id), moveRecord{UID: newUID, Other: name, OtherUID: oldUID, Gen: gen})
}

// recordMove notes, in both folders' records, that message srcUID of src is
// now dstUID of dst.
func recordMove(tx *statedb.Tx, srcID statedb.NearMailboxID, srcName string, srcUID uint32,
	dstID statedb.NearMailboxID, dstName string, dstUID uint32, srcGen, dstGen uint64) error {
	if err := appendRecord(tx, movesKey(srcID), moveRecord{UID: srcUID, Other: dstName, OtherUID: dstUID, Gen: srcGen}); err != nil {
		return err
	}
	return appendRecord(tx, originsKey(dstID), moveRecord{UID: dstUID, Other: srcName, OtherUID: srcUID, Gen: dstGen})
}

func appendRecord(tx *statedb.Tx, key string, rec moveRecord) error {
	recs, err := readRecords(tx, key)
	if err != nil {
		return err
	}
	return writeRecords(tx, key, append(recs, rec))
}

func readRecords(tx *statedb.Tx, key string) ([]moveRecord, error) {
	v, found, err := tx.Meta(key)
	if err != nil || !found {
		return nil, err
	}
	var recs []moveRecord
	if err := json.Unmarshal([]byte(v), &recs); err != nil {
		return nil, fmt.Errorf("state %s: %w", key, err)
	}
	return recs, nil
}

func writeRecords(tx *statedb.Tx, key string, recs []moveRecord) error {
	if len(recs) == 0 {
		return tx.DeleteMeta(key)
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return err
	}
	return tx.SetMeta(key, string(b))
}

// pruneRecords drops the folder's move records at or below generation gen:
// the caller recorded a checkpoint past them.
func (s *Store) pruneRecords(ctx context.Context, id statedb.NearMailboxID, gen uint64) error {
	return s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		for _, key := range []string{movesKey(id), originsKey(id), editsKey(id)} {
			recs, err := readRecords(tx, key)
			if err != nil || len(recs) == 0 {
				return err
			}
			kept := recs[:0]
			for _, r := range recs {
				if r.Gen > gen {
					kept = append(kept, r)
				}
			}
			if err := writeRecords(tx, key, kept); err != nil {
				return err
			}
		}
		return nil
	})
}

// movesOut returns the folder's recorded moves out, by old UID.
func (s *Store) movesOut(ctx context.Context, id statedb.NearMailboxID) (map[store.UID]store.Move, error) {
	out := map[store.UID]store.Move{}
	err := s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		recs, err := readRecords(tx, movesKey(id))
		for _, r := range recs {
			out[store.UID(r.UID)] = store.Move{UID: store.UID(r.UID), Dest: r.Other, DestUID: store.UID(r.OtherUID)}
		}
		return err
	})
	return out, err
}

// originsIn returns where the folder's moved-in messages came from, by UID.
func (s *Store) originsIn(ctx context.Context, id statedb.NearMailboxID) (map[store.UID]store.Origin, error) {
	out := map[store.UID]store.Origin{}
	err := s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		recs, err := readRecords(tx, originsKey(id))
		for _, r := range recs {
			out[store.UID(r.UID)] = store.Origin{Mailbox: r.Other, UID: store.UID(r.OtherUID)}
		}
		return err
	})
	return out, err
}

// replacedIn returns, by UID, the messages of the folder that replace an
// edited one, and the UID each replaces.
func (s *Store) replacedIn(ctx context.Context, id statedb.NearMailboxID) (map[store.UID]store.UID, error) {
	out := map[store.UID]store.UID{}
	err := s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		recs, err := readRecords(tx, editsKey(id))
		for _, r := range recs {
			out[store.UID(r.UID)] = store.UID(r.OtherUID)
		}
		return err
	})
	return out, err
}

// A known file found nowhere is dropped from the index, but its unique
// name, UID and mtime are kept as a tombstone (goneKey): a file that comes
// back under that unique name (a folder emptied and restored, a file moved
// out of the Maildir and back) with another mtime was changed while away,
// and is reported as a new message replacing the old UID
// (store.Message.Replaces), never taken for the old message renumbered.
// One that comes back with its mtime is the old message, which the engine
// re-pairs by identity. The newest maxTombstones per folder are kept.

const maxTombstones = 10000

// tombstone is a dropped index entry, by unique name.
type tombstone struct {
	UID   uint32 `json:"uid"`
	MTime int64  `json:"mtime"` // Unix nanoseconds
	Seq   uint64 `json:"seq"`   // generation when dropped, for pruning
}

func goneKey(id statedb.NearMailboxID) string {
	return "maildirstore.gone." + strconv.FormatInt(int64(id), 10)
}

func readTombstones(tx *statedb.Tx, id statedb.NearMailboxID) (map[string]tombstone, error) {
	v, found, err := tx.Meta(goneKey(id))
	if err != nil || !found {
		return nil, err
	}
	var ts map[string]tombstone
	if err := json.Unmarshal([]byte(v), &ts); err != nil {
		return nil, fmt.Errorf("state %s: %w", goneKey(id), err)
	}
	return ts, nil
}

func writeTombstones(tx *statedb.Tx, id statedb.NearMailboxID, ts map[string]tombstone) error {
	if len(ts) == 0 {
		return tx.DeleteMeta(goneKey(id))
	}
	for len(ts) > maxTombstones {
		var oldest string
		for u, t := range ts {
			if oldest == "" || t.Seq < ts[oldest].Seq || (t.Seq == ts[oldest].Seq && u < oldest) {
				oldest = u
			}
		}
		delete(ts, oldest)
	}
	b, err := json.Marshal(ts)
	if err != nil {
		return err
	}
	return tx.SetMeta(goneKey(id), string(b))
}
