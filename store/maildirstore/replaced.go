package maildirstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// An edited file is a new message replacing the old one (reconcile): the
// old UID vanishes and the file gets a new UID. A caller that matches new
// messages to vanished ones by Message-ID and size would take a draft
// saved again with a text of the same size for the old message,
// renumbered, and keep the old text on the other side. So the new message
// is not reported while the caller still knows the old UID (it is in
// ChangesRequest.Known: the caller has not yet carried the deletion
// over); the checkpoint is held back meanwhile.

//
// The same goes for a file that left the folder and came back edited (a
// folder emptied and restored, a draft saved meanwhile): while the caller
// knows the old UID, the store keeps a tombstone of it (Gone, with the
// file's mtime); a file coming back under that unique name with another
// mtime is an edited copy and waits as above.

// replacement is one edited file waiting for its old UID to be forgotten,
// or (Gone) a file that left the folder while the caller knows its UID.
type replacement struct {
	OldUID uint32 `json:"old_uid"`
	Unique string `json:"unique"`
	Gone   bool   `json:"gone,omitempty"`
	MTime  int64  `json:"mtime,omitempty"` // Gone: the file's mtime, Unix ns
}

func replacedKey(id statedb.NearMailboxID) string {
	return "maildirstore.replaced." + strconv.FormatInt(int64(id), 10)
}

// replacements is a reconcile's working copy of the folder's records,
// read once and written back once.
type replacements struct {
	recs    []replacement
	gone    map[string]int // unique → index in recs of its tombstone
	changed bool
}

func loadReplacements(tx *statedb.Tx, id statedb.NearMailboxID) (*replacements, error) {
	recs, err := readReplacements(tx, id)
	if err != nil {
		return nil, err
	}
	rs := &replacements{recs: recs, gone: map[string]int{}}
	for i, r := range recs {
		if r.Gone {
			rs.gone[r.Unique] = i
		}
	}
	return rs, nil
}

// replaced notes that the file of unique replaces oldUID.
func (rs *replacements) replaced(oldUID uint32, unique string) {
	rs.recs = append(rs.recs, replacement{OldUID: oldUID, Unique: unique})
	rs.changed = true
}

// left keeps a tombstone of a message whose file left the folder.
func (rs *replacements) left(msg statedb.NearMessage) {
	rs.gone[msg.UniqueName] = len(rs.recs)
	rs.recs = append(rs.recs, replacement{OldUID: msg.UID, Unique: msg.UniqueName, Gone: true, MTime: msg.MTime.UnixNano()})
	rs.changed = true
}

// cameBack handles a file coming back into the folder under unique with
// mtime: edited meanwhile (another mtime), its tombstone becomes a
// replacement of the old UID; unchanged, the tombstone goes (the caller
// may pair the file with its old UID again).
func (rs *replacements) cameBack(unique string, mtime int64) {
	i, ok := rs.gone[unique]
	if !ok {
		return
	}
	delete(rs.gone, unique)
	rs.changed = true
	if rs.recs[i].MTime == mtime {
		rs.recs[i].Unique = "" // dropped at save
		return
	}
	rs.recs[i].Gone, rs.recs[i].MTime = false, 0
}

// save writes the records back if they changed.
func (rs *replacements) save(tx *statedb.Tx, id statedb.NearMailboxID) error {
	if !rs.changed {
		return nil
	}
	kept := rs.recs[:0]
	for _, r := range rs.recs {
		if r.Unique != "" {
			kept = append(kept, r)
		}
	}
	return writeReplacements(tx, id, kept)
}

func readReplacements(tx *statedb.Tx, id statedb.NearMailboxID) ([]replacement, error) {
	v, found, err := tx.Meta(replacedKey(id))
	if err != nil || !found {
		return nil, err
	}
	var recs []replacement
	if err := json.Unmarshal([]byte(v), &recs); err != nil {
		return nil, fmt.Errorf("state %s: %w", replacedKey(id), err)
	}
	return recs, nil
}

func writeReplacements(tx *statedb.Tx, id statedb.NearMailboxID, recs []replacement) error {
	if len(recs) == 0 {
		return tx.DeleteMeta(replacedKey(id))
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return err
	}
	return tx.SetMeta(replacedKey(id), string(b))
}

// heldReplacements returns the unique names of edited files whose old UID
// the caller still knows, and forgets the replacements whose old UID it
// no longer knows.
func (m *Mailbox) heldReplacements(ctx context.Context, known map[store.UID]bool) (map[string]bool, error) {
	var recs []replacement
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		var err error
		recs, err = readReplacements(tx, m.id)
		return err
	})
	if err != nil || len(recs) == 0 {
		return nil, m.errIf("changes", err)
	}
	held := map[string]bool{}
	forget := false
	for _, r := range recs {
		switch {
		case !known[store.UID(r.OldUID)]:
			forget = true
		case !r.Gone:
			held[r.Unique] = true
		}
	}
	if forget {
		err = m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
			recs, err := readReplacements(tx, m.id) // again: a scan may have added one
			if err != nil {
				return err
			}
			kept := recs[:0]
			for _, r := range recs {
				if known[store.UID(r.OldUID)] {
					kept = append(kept, r)
				}
			}
			return writeReplacements(tx, m.id, kept)
		})
	}
	return held, m.errIf("changes", err)
}
