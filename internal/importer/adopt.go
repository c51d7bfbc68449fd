// Package importer adopts a Maildir another synchronizer made, with that
// tool's state, into imapdir's state database without downloading,
// moving, renaming or rewriting anything: after an import, `imapdir sync`
// finds every message already paired.
package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// DefaultSample is how many messages per folder are checked against the
// server (their Message-ID must be found under the far UID the state
// gives) when Options.Sample is 0.
const DefaultSample = 16

// FolderReport is what an import found and did in one folder.
type FolderReport struct {
	Folder
	// Adopted is how many pairs were written (0 before Write, or when the
	// folder was already adopted).
	Adopted int
	// Checked is how many messages were verified on the server.
	Checked int
	// Already: the state database already paired this folder; it is left
	// as it is.
	Already bool
}

// Plan is a verified import, ready to be written.
type Plan struct {
	Folders []FolderReport
	meta    []map[store.UID]store.Message // the server's metadata, by folder
}

// Verify checks every folder against the server (far) and the state
// database (db; nil when the account has none yet), checking up to sample
// messages per folder (0: DefaultSample). It writes nothing; when a folder
// does not fit (another account's Maildir, a stale state) it fails.
// layout is the one the folders were read with (for the hint given when
// a folder has no mailbox, see notOnServer).
func Verify(ctx context.Context, folders []Folder, layout maildir.Layout, far store.Store, db *statedb.DB, sample int) (*Plan, error) {
	if sample <= 0 {
		sample = DefaultSample
	}
	p := &Plan{Folders: make([]FolderReport, len(folders)), meta: make([]map[store.UID]store.Message, len(folders))}
	if err := uniqueNames(ctx, folders); err != nil {
		return p, err
	}
	for i, f := range folders {
		p.Folders[i].Folder = f
		var err error
		p.meta[i], err = verify(ctx, &p.Folders[i], layout, far, db, sample)
		if err != nil {
			return p, fmt.Errorf("mailbox %q: %w", f.Name, err)
		}
	}
	return p, nil
}

// uniqueNames refuses folders in which two files share the unique part
// of their names (before ',' and ':'): the Maildir store follows a file
// moved between folders by that part, and would give one of the two a new
// name, which an import must never do.
func uniqueNames(ctx context.Context, folders []Folder) error {
	seen := map[string]string{}
	for _, f := range folders {
		folder, err := maildir.Open(f.Dir)
		if err != nil {
			return err
		}
		ents, err := folder.Scan(ctx, maildir.ScanOptions{})
		if err != nil {
			return err
		}
		for _, e := range ents {
			path := filepath.Join(f.Dir, e.Subdir, e.File)
			if prev, dup := seen[e.Name.Unique]; dup {
				return fmt.Errorf("the files %s and %s have one unique name %q: imapdir would rename one of "+
					"them; rename one yourself (keeping the part from ':' or ','), then import; nothing was written",
					prev, path, e.Name.Unique)
			}
			seen[e.Name.Unique] = path
		}
	}
	return nil
}

// Write records the verified pairs in db, registering each folder's files
// with the Maildir store near (which gives them its own UIDs, kept in db:
// no file is touched). Folders already adopted are left alone.
func (p *Plan) Write(ctx context.Context, near store.Store, db *statedb.DB) error {
	for i := range p.Folders {
		if p.Folders[i].Already {
			continue
		}
		if err := write(ctx, &p.Folders[i], p.meta[i], near, db); err != nil {
			return fmt.Errorf("mailbox %q: %w", p.Folders[i].Name, err)
		}
	}
	return nil
}

// verify checks one folder against the server and the state database,
// and returns the server's metadata of its messages.
func verify(ctx context.Context, rep *FolderReport, layout maildir.Layout, far store.Store, db *statedb.DB, sample int) (map[store.UID]store.Message, error) {
	already, err := adoptedBefore(ctx, rep.Folder, db)
	if err != nil {
		return nil, err
	}
	box, err := far.OpenMailbox(ctx, rep.Name)
	if errors.Is(err, store.ErrMailboxNotFound) {
		if hint := mutf7Hint(ctx, far, rep.Name, layout); hint != "" {
			return nil, errors.New(hint)
		}
		return nil, fmt.Errorf("not on the server: is --from the Maildir of this account?")
	}
	if err != nil {
		return nil, err
	}
	defer box.Close()
	if uv := box.Status().UIDValidity; uv != rep.FarUIDValidity {
		return nil, fmt.Errorf("the server's UIDVALIDITY is %d, %s's state says %d: this Maildir "+
			"belongs to another account or mailbox, or its state is stale; nothing was written", uv, rep.Tool, rep.FarUIDValidity)
	}
	rep.Already = already
	if err := checkSample(ctx, box, rep, sample); err != nil {
		return nil, err
	}
	meta := make(map[store.UID]store.Message, len(rep.Pairs))
	err = box.List(ctx, store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			meta[m.UID] = m
		}
		return nil
	})
	return meta, err
}

// adoptedBefore reports whether the state database already pairs messages
// of the folder's mailbox under the same server UIDVALIDITY (then an
// import leaves it alone); pairs under another one are refused.
func adoptedBefore(ctx context.Context, f Folder, db *statedb.DB) (bool, error) {
	if db == nil {
		return false, nil
	}
	var already bool
	err := db.View(ctx, func(tx *statedb.Tx) error {
		row, found, err := tx.MailboxByFarName(f.Name)
		if err != nil || !found {
			return err
		}
		n, err := tx.CountPairs(row.ID)
		if err != nil || n == 0 {
			return err
		}
		if row.FarUIDValidity != f.FarUIDValidity {
			return fmt.Errorf("imapdir's state already holds %d messages of this mailbox under UIDVALIDITY %d, "+
				"%s's state says %d", n, row.FarUIDValidity, f.Tool, f.FarUIDValidity)
		}
		already = true
		return nil
	})
	return already, err
}

// checkSample looks up, for up to n pairs spread over the folder, the
// file's Message-ID on the server: it must be found under the far UID
// the state gives.
func checkSample(ctx context.Context, box store.Mailbox, rep *FolderReport, n int) error {
	pairs := rep.Pairs
	if len(pairs) == 0 {
		return nil
	}
	step := max(1, len(pairs)/n)
	withID := 0
	for i := 0; i < len(pairs) && rep.Checked < n; i += step {
		e := pairs[i]
		id, _, err := fileIdentity(rep.Dir, e)
		if err != nil {
			return err
		}
		if id == "" {
			continue
		}
		withID++
		found, err := box.Find(ctx, store.Query{MessageID: id})
		if err != nil {
			return err
		}
		if !hasUID(found, store.UID(e.FarUID)) {
			return fmt.Errorf("the file %s (Message-ID <%s>) is not the server's UID %d, as %s's state says: "+
				"this Maildir or its state does not belong to this account; nothing was written",
				filepath.Join(rep.Dir, e.Subdir, e.File), id, e.FarUID, rep.Tool)
		}
		rep.Checked++
	}
	if withID == 0 {
		return fmt.Errorf("none of the %d sampled messages has a Message-ID: cannot verify the pairing against the server", min(n, len(pairs)))
	}
	return nil
}

func hasUID(ms []store.Message, uid store.UID) bool {
	for _, m := range ms {
		if m.UID == uid {
			return true
		}
	}
	return false
}

// fileIdentity reads the Message-ID (or header hash) of an entry's file.
func fileIdentity(dir string, e Entry) (messageID, headerHash string, err error) {
	f, err := os.Open(filepath.Join(dir, e.Subdir, e.File))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	messageID, headerHash = store.HeaderIdentity(f)
	return messageID, headerHash, nil
}

// write registers the folder's files with the Maildir store (which gives
// them its own UIDs, recorded in the state database: no file is touched)
// and records one pair per entry, with the UIDVALIDITY of each side and
// no other checkpoint, so the next sync compares both sides in full once.
func write(ctx context.Context, rep *FolderReport, meta map[store.UID]store.Message, near store.Store, db *statedb.DB) error {
	box, err := near.OpenMailbox(ctx, rep.Name)
	if err != nil {
		return err
	}
	nearUV := box.Status().UIDValidity
	if err := box.Close(); err != nil {
		return err
	}
	pairs := make([]statedb.Pair, 0, len(rep.Pairs))
	for _, e := range rep.Pairs {
		p, err := pairOf(rep.Dir, e, meta[store.UID(e.FarUID)])
		if err != nil {
			return err
		}
		pairs = append(pairs, p)
	}
	return db.Update(ctx, func(tx *statedb.Tx) error {
		row, err := tx.EnsureMailbox(rep.Name, rep.Name)
		if err != nil {
			return err
		}
		nm, found, err := tx.NearMailboxByName(rep.Name)
		if err != nil || !found {
			return errors.Join(err, fmt.Errorf("the Maildir store did not register folder %q", rep.Name))
		}
		row.FarUIDValidity, row.NearUIDValidity = rep.FarUIDValidity, nearUV
		if err := tx.UpdateMailbox(row); err != nil {
			return err
		}
		for i, p := range pairs {
			e := rep.Pairs[i]
			msg, found, err := tx.NearMessageByUniqueName(maildir.ParseName(e.File).Unique)
			if err != nil {
				return err
			}
			if !found || msg.Mailbox != nm.ID {
				return fmt.Errorf("the Maildir store did not register %s", filepath.Join(rep.Dir, e.Subdir, e.File))
			}
			p.Mailbox, p.NearUID = row.ID, msg.UID
			if _, err := tx.PutPair(p); err != nil {
				return err
			}
		}
		rep.Adopted = len(pairs)
		return nil
	})
}

// pairOf is the pair recorded for an entry: the tool's agreed flags and
// labels, the
// server's size and date, the file's identity.
func pairOf(dir string, e Entry, far store.Message) (statedb.Pair, error) {
	id, hh, err := fileIdentity(dir, e)
	if err != nil {
		return statedb.Pair{}, err
	}
	items := make([]string, len(e.Flags))
	for i, f := range e.Flags {
		items[i] = string(f)
	}
	flags, err := statedb.MakeFlagSet(items...)
	if err != nil {
		return statedb.Pair{}, err
	}
	labels, err := statedb.MakeFlagSet(e.Labels...)
	if err != nil {
		return statedb.Pair{}, fmt.Errorf("%s: %w", filepath.Join(dir, e.Subdir, e.File), err)
	}
	var hash []byte
	if hh != "" {
		hash = []byte(hh)
	}
	date := far.InternalDate
	if !date.IsZero() {
		date = date.Truncate(time.Second)
	}
	return statedb.Pair{FarUID: e.FarUID, Flags: flags, Labels: labels, Size: max(far.Size, 0), InternalDate: date,
		MessageID: id, HeaderHash: hash}, nil
}
