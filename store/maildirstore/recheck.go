package maildirstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/imapdir/imapdir/statedb"
)

// A file a writer is still completing in place (appending without tmp/,
// an editor writing over it) changes neither a name nor a directory's
// mtime, so the fast paths of reconcile would not see it until some other
// change in the folder. The files a reconcile indexed as new are the ones
// most likely to be still written: the next scan stats them once more
// (one stat per file added, not per message), and a changed one makes that
// scan a full reconcile, which replaces it (findEdited).
//
// An older file rewritten in place (same name, same inode, directories
// untouched) is seen by no such cheap test. Every full reconcile stats
// every known file (findEdited), and a folder that has had none for
// statInterval gets one on its next scan: such a rewrite is noticed by
// the next scan that finds any name or inode changed in its folder, and
// at the latest by the first scan statInterval after the last full one;
// and always before the file is uploaded (its mtime is checked then).
// Between full reconciles a scan costs one directory read, not a stat per
// message.

// statInterval is how long a folder's files may go without being statted.
const statInterval = time.Hour

func stattedKey(id statedb.NearMailboxID) string {
	return "maildirstore.statted." + strconv.FormatInt(int64(id), 10)
}

// writeStatted records that a full reconcile statted the folder's files now.
func writeStatted(tx *statedb.Tx, id statedb.NearMailboxID) error {
	return tx.SetMeta(stattedKey(id), strconv.FormatInt(time.Now().Unix(), 10))
}

// statDue reports whether the folder's files were last statted longer than
// statInterval ago (or never, as far as the state tells).
func (m *Mailbox) statDue(ctx context.Context) (bool, error) {
	var due bool
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		nm, found, err := tx.NearMailboxByName(m.name)
		if err != nil || !found {
			return err
		}
		v, found, err := tx.Meta(stattedKey(nm.ID))
		if err != nil {
			return err
		}
		at, perr := strconv.ParseInt(v, 10, 64)
		due = !found || perr != nil || time.Since(time.Unix(at, 0)) > statInterval
		return nil
	})
	if err != nil {
		return false, m.err("scan", err)
	}
	return due, nil
}

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
