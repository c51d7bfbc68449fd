package watch

import (
	"context"
	"os"
	"path/filepath"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
)

// settled reports whether mailbox's folder holds exactly the files the
// Maildir store's index lists (same names in new/ and cur/): then the
// events seen during a sync were the sync's own writes, or changes it
// took. Any doubt (an error, a folder never indexed) answers false.
func settled(ctx context.Context, db *statedb.DB, root string, layout maildir.Layout, mailbox string) bool {
	dir, err := layout.Path(root, mailbox)
	if err != nil {
		return false
	}
	onDisk := map[string]bool{}
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return false
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				onDisk[sub+"/"+e.Name()] = true
			}
		}
	}
	indexed := 0
	same := true
	err = db.View(ctx, func(tx *statedb.Tx) error {
		mb, found, err := tx.NearMailboxByName(mailbox)
		if err != nil || !found {
			same = false
			return err
		}
		return tx.IterateNearMessages(mb.ID, 0, func(m statedb.NearMessage) error {
			indexed++
			if !onDisk[m.Subdir+"/"+m.FileName] {
				same = false
			}
			return nil
		})
	})
	return err == nil && same && indexed == len(onDisk)
}

// foldersSettled reports whether the Maildir's selected folders are
// exactly those the Maildir store's index knows.
func foldersSettled(ctx context.Context, db *statedb.DB, root string, layout maildir.Layout, match func(string) bool) bool {
	lst, err := layout.List(ctx, root)
	if err != nil {
		return false
	}
	onDisk := map[string]bool{}
	for _, n := range lst.Names {
		if match(n) {
			onDisk[n] = true
		}
	}
	indexed := 0
	same := true
	err = db.View(ctx, func(tx *statedb.Tx) error {
		mbs, err := tx.NearMailboxes()
		for _, mb := range mbs {
			if match(mb.Name) {
				indexed++
				same = same && onDisk[mb.Name]
			}
		}
		return err
	})
	return err == nil && same && indexed == len(onDisk)
}
