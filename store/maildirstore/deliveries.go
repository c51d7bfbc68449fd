package maildirstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
)

// A delivery is one staged append of a Flush under way: the unique name
// of its file and the UID Append promised for it.
//
// Flush notes its deliveries in the state database before the batch
// commit renames the files into place, and clears the note in the
// transaction that records their UIDs. A note found by a scan is what a
// process killed in between left: a noted file that is in the folder is
// indexed as any new file; one still in tmp/ was never delivered; one in
// neither was delivered and then deleted (or moved away) before this scan.
// Its UID is then taken out of use (UIDNEXT raised past it), so a caller
// that was told that UID before the crash (the engine notes it with its
// copy intent) reads it as a message made durable and deleted since, and
// carries the deletion over, instead of copying the message again.
type delivery struct {
	Unique string `json:"u"`
	UID    uint32 `json:"uid"`
}

func deliveriesKey(id statedb.NearMailboxID) string {
	return "maildirstore.delivering." + strconv.FormatInt(int64(id), 10)
}

// noteDeliveries records the pending appends' unique names and promised
// UIDs, and drops the folder's recorded scan signature: the next scan
// must be a full one, even if the user deleted exactly the delivered
// files.
func (m *Mailbox) noteDeliveries(ctx context.Context, pending []pendingAppend) error {
	ds := make([]delivery, len(pending))
	for i, p := range pending {
		ds[i] = delivery{Unique: p.msg.UniqueName, UID: uint32(p.uid)}
	}
	b, err := json.Marshal(ds)
	if err != nil {
		return err
	}
	return m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		if err := tx.SetMeta(deliveriesKey(m.id), string(b)); err != nil {
			return err
		}
		return forgetScan(tx, m.id)
	})
}

// forgetDeliveries drops the note of a Flush whose commit failed (its
// staged files not renamed were removed).
func (m *Mailbox) forgetDeliveries(ctx context.Context) error {
	return m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error { return tx.DeleteMeta(deliveriesKey(m.id)) })
}

// settleDeliveries resolves the note an interrupted Flush left (see
// delivery), before the scan's new files are indexed: the UIDs of
// delivered files gone since are taken out of use.
func (r *reconciler) settleDeliveries() error {
	key := deliveriesKey(r.nm.ID)
	v, found, err := r.tx.Meta(key)
	if err != nil || !found {
		return err
	}
	var ds []delivery
	if err := json.Unmarshal([]byte(v), &ds); err != nil {
		return fmt.Errorf("state %s: %w", key, err)
	}
	var next uint32
	for _, d := range ds {
		if _, here := r.files[d.Unique]; here || r.indexed(d.Unique) {
			continue
		}
		_, err := os.Lstat(filepath.Join(r.m.folder.Path(), maildir.SubTmp, d.Unique))
		switch {
		case err == nil:
			continue // never renamed into place: not delivered
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
		next = max(next, d.UID+1)
	}
	if next > 0 {
		r.bumped = true
		if err := r.tx.RaiseNearUIDNext(r.nm.ID, next); err != nil {
			return err
		}
	}
	return r.tx.DeleteMeta(key)
}

// indexed reports whether the index holds a file of unique name (in any
// folder: a delivered file the reader moved before this scan).
func (r *reconciler) indexed(unique string) bool {
	_, found, err := r.tx.NearMessageByUniqueName(unique)
	return err == nil && found
}
