package maildirstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

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

// expungedKey holds one record per Expunge of the folder by the store,
// for the generation that Expunge started, with the UIDs it removed
// (Other names the record's kind: the UIDs are in the record's list).
func expungedKey(id statedb.NearMailboxID) string {
	return "maildirstore.expunged." + strconv.FormatInt(int64(id), 10)
}

// expungeRecord is what one Expunge removed, in generation Gen.
type expungeRecord struct {
	Gen  uint64   `json:"gen"`
	UIDs []uint32 `json:"uids"`
}

// recordExpunge notes, in the transaction of an Expunge that started
// generation gen, the UIDs it removed.
func recordExpunge(tx *statedb.Tx, id statedb.NearMailboxID, gen uint64, uids []uint32) error {
	recs, err := readExpunges(tx, id)
	if err != nil {
		return err
	}
	return writeExpunges(tx, id, append(recs, expungeRecord{Gen: gen, UIDs: uids}))
}

func readExpunges(tx *statedb.Tx, id statedb.NearMailboxID) ([]expungeRecord, error) {
	v, found, err := tx.Meta(expungedKey(id))
	if err != nil || !found {
		return nil, err
	}
	var recs []expungeRecord
	if err := json.Unmarshal([]byte(v), &recs); err != nil {
		return nil, fmt.Errorf("state %s: %w", expungedKey(id), err)
	}
	return recs, nil
}

func writeExpunges(tx *statedb.Tx, id statedb.NearMailboxID, recs []expungeRecord) error {
	if len(recs) == 0 {
		return tx.DeleteMeta(expungedKey(id))
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return err
	}
	return tx.SetMeta(expungedKey(id), string(b))
}

// expungedSince returns the UIDs the store's own Expunges removed after
// generation since, when those Expunges account for every generation
// after since up to now (gen): then nothing else left the folder (every
// removal advances the generation), and these UIDs are all that vanished.
// ok is false when some generation was started by anything else (a scan
// that saw a change, a move, a fetch that missed a file): the caller must
// compare the UIDs it knows with the index.
func (s *Store) expungedSince(ctx context.Context, id statedb.NearMailboxID, since, gen uint64) (uids []store.UID, ok bool, err error) {
	err = s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		recs, err := readExpunges(tx, id)
		if err != nil || gen < since || gen-since > uint64(len(recs)) {
			return err
		}
		covered := map[uint64]bool{}
		for _, r := range recs {
			if r.Gen > since && r.Gen <= gen {
				covered[r.Gen] = true
				for _, u := range r.UIDs {
					uids = append(uids, store.UID(u))
				}
			}
		}
		ok = uint64(len(covered)) == gen-since
		return nil
	})
	if !ok {
		uids = nil
	}
	return uids, ok, err
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
			if err != nil {
				return err
			}
			kept := slices.DeleteFunc(slices.Clone(recs), func(r moveRecord) bool { return r.Gen <= gen })
			if len(kept) == len(recs) {
				continue // nothing to prune: no write
			}
			if err := writeRecords(tx, key, kept); err != nil {
				return err
			}
		}
		recs, err := readExpunges(tx, id)
		if err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(recs), func(r expungeRecord) bool { return r.Gen <= gen })
		if len(kept) == len(recs) {
			return nil
		}
		return writeExpunges(tx, id, kept)
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

// errVanished marks a message whose file is gone.
var errVanished = errors.New("message file is gone")

// indexed is a message of the index with its file as it is now.
type indexed struct {
	msg   statedb.NearMessage
	entry maildir.Entry
}

// locateMany returns the index entries of uids with their files as they
// are now: one state transaction and one query for the whole batch, one
// lstat per file, and one scan of the folder only when a file is not
// where the index has it (a mail reader renamed it; it is found again by
// its unique name). UIDs not indexed, or whose file is found nowhere in
// the folder, are left out. Entries carry the file's inode number, as a
// scan gives it, for the folder's signature.
func (m *Mailbox) locateMany(ctx context.Context, uids []store.UID) (map[store.UID]indexed, error) {
	found, _, err := m.locateOrAway(ctx, uids)
	return found, err
}

// locateOrAway is locateMany that also returns the index entries of uids
// whose file is found nowhere in the folder (a folder emptied, a file
// moved out of the Maildir for a while).
func (m *Mailbox) locateOrAway(ctx context.Context, uids []store.UID) (map[store.UID]indexed, []statedb.NearMessage, error) {
	raw := make([]uint32, len(uids))
	for i, u := range uids {
		raw[i] = uint32(u)
	}
	var msgs []statedb.NearMessage
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		var err error
		msgs, err = tx.NearMessagesByUID(m.id, raw)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	out := make(map[store.UID]indexed, len(msgs))
	var away []statedb.NearMessage
	var files map[string]maildir.Entry // scanned once, when first needed
	for _, msg := range msgs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		e := maildir.Entry{Subdir: msg.Subdir, File: msg.FileName, Name: maildir.ParseName(msg.FileName), Size: -1}
		if st, err := os.Lstat(e.Path(m.folder)); err == nil {
			e.Ino = inodeOf(st)
			out[store.UID(msg.UID)] = indexed{msg: msg, entry: e}
			continue
		}
		if files == nil {
			if files, err = m.scanFolder(ctx); err != nil {
				return nil, nil, err
			}
		}
		if cur, ok := files[msg.UniqueName]; ok {
			out[store.UID(msg.UID)] = indexed{msg: msg, entry: cur}
		} else {
			away = append(away, msg)
		}
	}
	return out, away, nil
}

// locate is locateMany for one UID; errVanished when it is not there.
func (m *Mailbox) locate(ctx context.Context, uid store.UID) (statedb.NearMessage, maildir.Entry, error) {
	found, err := m.locateMany(ctx, []store.UID{uid})
	if err != nil {
		return statedb.NearMessage{}, maildir.Entry{}, err
	}
	x, ok := found[uid]
	if !ok {
		return statedb.NearMessage{}, maildir.Entry{}, errVanished
	}
	return x.msg, x.entry, nil
}

// A known file found nowhere is dropped from the index, but its unique
// name, UID, mtime and size are kept as a tombstone (goneKey): a file that
// comes back under that unique name (a folder emptied and restored, a file
// moved out of the Maildir and back) with another mtime AND another size
// was changed while away, and is reported as a new message replacing the
// old UID (store.Message.Replaces), never taken for the old message
// renumbered. One that comes back with its mtime, or with its size (a
// folder restored by cp without -p gives every file a new mtime), is the
// old message, which the engine re-pairs by identity. The limit: a text
// edited while away to exactly its old size, keeping its Message-ID, is
// taken for the old one. The newest maxTombstones per folder are kept.
//
// A message the engine expunges while its file is away (a folder emptied
// for a while) is dropped with a tombstone marked deleted: if the file
// comes back unchanged within deletionRecall, the deletion is completed
// (the file removed); changed, it is a new message (an edit is kept).

const maxTombstones = 10000

// tombstone is a dropped index entry, by unique name.
type tombstone struct {
	UID   uint32 `json:"uid"`
	MTime int64  `json:"mtime"`          // Unix nanoseconds
	Seq   uint64 `json:"seq"`            // generation when dropped, for pruning
	Size  int64  `json:"size,omitempty"` // wire size; 0: unknown
	// Deleted is when the engine expunged the message while its file was
	// away (Unix seconds; 0: dropped by a scan, not deleted).
	Deleted int64 `json:"deleted,omitempty"`
}

// sameFile reports whether a file back under the tombstone's unique name
// with mtime and size is the file that left (see above).
func (t tombstone) sameFile(mtime time.Time, size int64) bool {
	return t.MTime == mtime.UnixNano() || (t.Size > 0 && t.Size == size)
}

// deletionRecall is how long a deletion carried out while the file was
// away is completed when the file comes back.
const deletionRecall = 7 * 24 * time.Hour

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
