package maildirstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/imapdir/imapdir/statedb"
)

// A file a writer is still completing in place (appending without tmp/,
// an editor writing over it) changes neither a name nor a directory's
// mtime, so the fast paths of reconcile would not see it until some other
// change in the folder. The files a reconcile indexed as new are the ones
// most likely to be still written: the next scan stats them once more
// (one stat per file added, not per message), and a changed one makes that
// scan a full reconcile, which replaces it (findEdited).

func addedKey(id statedb.NearMailboxID) string {
	return "maildirstore.added." + strconv.FormatInt(int64(id), 10)
}

// writeAdded records the unique names a reconcile indexed as new,
// replacing those of the reconcile before (already looked at again).
func writeAdded(tx *statedb.Tx, id statedb.NearMailboxID, uniques []string) error {
	if len(uniques) == 0 {
		return tx.DeleteMeta(addedKey(id))
	}
	b, err := json.Marshal(uniques)
	if err != nil {
		return err
	}
	return tx.SetMeta(addedKey(id), string(b))
}

// recheckAdded stats the files the last reconcile indexed as new and
// reports whether one of them changed in place since. When none did, the
// record is dropped: each file is looked at again once.
func (m *Mailbox) recheckAdded(ctx context.Context) (changed bool, err error) {
	var id statedb.NearMailboxID
	var files []statedb.NearMessage
	err = m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		nm, found, err := tx.NearMailboxByName(m.name)
		if err != nil || !found {
			return err
		}
		v, found, err := tx.Meta(addedKey(nm.ID))
		if err != nil || !found {
			return err
		}
		id = nm.ID
		var uniques []string
		if err := json.Unmarshal([]byte(v), &uniques); err != nil {
			return fmt.Errorf("state %s: %w", addedKey(nm.ID), err)
		}
		for _, u := range uniques {
			msg, found, err := tx.NearMessageByUniqueName(u)
			if err != nil {
				return err
			}
			if found && msg.Mailbox == nm.ID {
				files = append(files, msg)
			}
		}
		return nil
	})
	if err != nil {
		return false, m.err("scan", err)
	}
	if id == 0 {
		return false, nil
	}
	for _, msg := range files {
		st, err := os.Lstat(filepath.Join(m.folder.Path(), msg.Subdir, msg.FileName))
		if errors.Is(err, os.ErrNotExist) {
			continue // renamed: the folder's signature changed, a full reconcile follows
		}
		if err != nil {
			return false, m.err("scan", err)
		}
		if !st.ModTime().Equal(msg.MTime) {
			return true, nil // the reconcile rewrites the record
		}
	}
	err = m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error { return tx.DeleteMeta(addedKey(id)) })
	if err != nil {
		return false, m.err("scan", err)
	}
	return false, nil
}
