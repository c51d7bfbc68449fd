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

// replacement is one edited file waiting for its old UID to be forgotten.
type replacement struct {
	OldUID uint32 `json:"old_uid"`
	Unique string `json:"unique"`
}

func replacedKey(id statedb.NearMailboxID) string {
	return "maildirstore.replaced." + strconv.FormatInt(int64(id), 10)
}

// recordReplacement notes that the file of unique replaces oldUID.
func recordReplacement(tx *statedb.Tx, id statedb.NearMailboxID, oldUID uint32, unique string) error {
	recs, err := readReplacements(tx, id)
	if err != nil {
		return err
	}
	return writeReplacements(tx, id, append(recs, replacement{OldUID: oldUID, Unique: unique}))
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
	held := map[string]bool{}
	err := m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		recs, err := readReplacements(tx, m.id)
		if err != nil || len(recs) == 0 {
			return err
		}
		kept := recs[:0]
		for _, r := range recs {
			if known[store.UID(r.OldUID)] {
				held[r.Unique] = true
				kept = append(kept, r)
			}
		}
		if len(kept) == len(recs) {
			return nil
		}
		return writeReplacements(tx, m.id, kept)
	})
	if err != nil {
		return nil, m.err("changes", err)
	}
	return held, nil
}
