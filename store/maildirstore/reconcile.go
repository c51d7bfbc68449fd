package maildirstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// refresh makes pending appends durable and rescans the folder.
func (m *Mailbox) refresh(ctx context.Context) error {
	if m.closed {
		return m.err("scan", errors.New("mailbox is closed"))
	}
	if err := m.Flush(ctx); err != nil {
		return err
	}
	if m.scanned {
		m.scanned = false // the scan OpenMailbox just did answers this once
		return nil
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	return m.reconcile(ctx)
}

// fileInfo is what a scan learns about a file the index does not know.
type fileInfo struct {
	entry    maildir.Entry
	wireSize int64
	mtime    time.Time
}

// reconcile brings the index in line with the folder (the caller holds
// m.lock):
//   - a known file whose name changed gets its new name; if its flags
//     changed it is stamped with the new scan generation;
//   - a known file that is gone is looked for in the other folders: found,
//     it moved (the index entry moves with it and the move is recorded for
//     both folders); not found, it is dropped from the index;
//   - an unknown file whose unique name the index places in another folder
//     where it no longer is has been moved here; one still there is a copy,
//     renamed to a fresh unique name and treated as new;
//   - any other unknown file is new and gets the next UID;
//   - a known file changed in place (its mtime is not the recorded one)
//     is a new message replacing the old: the old UID goes, and the file
//     gets the next UID in the same scan.
//
// The files the last reconcile indexed are looked at once more first
// (recheckAdded): one changed in place since (a writer still completing
// it) makes this a full reconcile even though no name changed.
func (m *Mailbox) reconcile(ctx context.Context) error {
	changed, err := m.recheckAdded(ctx)
	if err == nil && !changed {
		changed, err = m.statDue(ctx)
	}
	if err != nil {
		return err
	}
	dirs := m.dirTimes()
	if dirs != "" && !changed {
		same := func(cp string) bool { _, d := splitCheckpoint(cp); return d == dirs }
		if done, err := m.readStatus(ctx, same, ""); done || err != nil {
			return err
		}
	}
	files, err := m.scanFolder(ctx)
	if err != nil {
		return err
	}
	sig := signature(files)
	full := joinCheckpoint(sig, dirs)
	same := func(cp string) bool { s, _ := splitCheckpoint(cp); return s == sig && !changed }
	if done, err := m.readStatus(ctx, same, full); done || err != nil {
		return err
	}
	kw, err := m.keywords()
	if err != nil {
		return m.err("scan", err)
	}
	known, err := m.knownUniques(ctx)
	if err != nil {
		return err
	}
	edited, relabel, err := m.findEdited(ctx, files, known)
	if err != nil {
		return err
	}
	fresh, err := m.inspectNew(ctx, files, known)
	if err != nil {
		return err
	}
	elsewhere, rescued, err := m.confirmMissing(ctx, files, known)
	if err != nil {
		return err
	}
	err = m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		r := &reconciler{m: m, tx: tx, files: files, fresh: fresh, edited: edited, relabel: relabel, kw: kw, elsewhere: elsewhere,
			sig: full, skipped: rescued, bumps: map[statedb.NearMailboxID]uint64{}}
		return r.run(ctx)
	})
	if err != nil {
		return m.err("scan", err)
	}
	return nil
}

// scanFolder lists the folder's files by unique name. Two files with one
// unique name (a reader's crash between link and unlink) keep the one in
// cur/.
func (m *Mailbox) scanFolder(ctx context.Context) (map[string]maildir.Entry, error) {
	entries, err := m.folder.Scan(ctx, maildir.ScanOptions{})
	if err == nil && m.s.scanFilter != nil {
		entries = m.s.scanFilter(m.name, entries)
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w: %w", store.ErrMailboxNotFound, err)
		}
		return nil, m.err("scan", err)
	}
	files := make(map[string]maildir.Entry, len(entries))
	for _, e := range entries {
		u := e.Name.Unique
		if m.s.opts.DryRun {
			var ok bool
			if u, ok = m.s.dry.apply(m.folder.Path(), u); !ok {
				continue
			}
		}
		if prev, dup := files[u]; dup {
			m.s.log.Warn("two files with one unique name; using the one in cur/",
				"mailbox", m.name, "first", prev.File, "second", e.File)
			if prev.Subdir == maildir.SubCur {
				continue
			}
		}
		files[u] = e
	}
	return files, nil
}

// keywords reads the folder's dovecot-keywords table (nil when keywords
// are not kept).
func (m *Mailbox) keywords() (*maildir.Keywords, error) {
	if m.s.opts.Keywords != KeywordsDovecot {
		return nil, nil
	}
	return m.folder.ReadKeywords()
}

// knownUniques returns the unique names the index holds for this folder,
// with the mtime it recorded for each file.
func (m *Mailbox) knownUniques(ctx context.Context) (map[string]time.Time, error) {
	known := map[string]time.Time{}
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		nm, found, err := tx.NearMailboxByName(m.name)
		if err != nil || !found {
			return err
		}
		known, err = tx.NearMTimes(nm.ID)
		return err
	})
	if err != nil {
		return nil, m.err("scan", err)
	}
	return known, nil
}

// findEdited returns the known files whose content was changed in place
// (a draft rewritten by an editor): their mtime is not the one the index
// recorded. They are removed from known, so they are inspected as new
// files: an edited message is a new message replacing the old one, never
// the old one with a stale size.
//
// In X-Keywords mode a file whose only change is its X-Keywords field is
// not edited but relabeled (see relabeled): it is returned in relabel
// with its new mtime, and stays known.
func (m *Mailbox) findEdited(ctx context.Context, files map[string]maildir.Entry, known map[string]time.Time) (edited map[string]bool, relabel map[string]time.Time, err error) {
	edited, relabel = map[string]bool{}, map[string]time.Time{}
	for u, mtime := range known {
		e, ok := files[u]
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		st, err := os.Lstat(e.Path(m.folder))
		if errors.Is(err, os.ErrNotExist) {
			continue // renamed meanwhile: the next scan looks again
		}
		if err != nil {
			return nil, nil, m.err("scan", err)
		}
		if st.ModTime().Equal(mtime) {
			continue
		}
		if ok, err := m.relabeled(ctx, u, e); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, m.err("scan", err)
		} else if ok {
			relabel[u] = st.ModTime()
			continue
		}
		edited[u] = true
		delete(known, u)
	}
	return edited, relabel, nil
}

// signature digests the folder's file names: equal to the one recorded
// at the last reconcile, the folder is exactly as the index has it (every
// flag change, delivery, removal or move renames, adds or removes a name),
// and a resync needs neither the index nor a write transaction.
//
// The inode numbers the listing gave are digested too: a file replaced
// under its own name (an editor saving a draft by rename) changes the
// signature, and the full reconcile that follows sees its new mtime.
//
// The digest is the XOR of one digest per file, so the store updates the
// recorded signature for its own deliveries, renames and removals
// (ownChange) and its next run finds the folder unchanged without reading
// the index.
func signature(files map[string]maildir.Entry) string {
	var d digest
	for _, e := range files {
		d.toggle(e)
	}
	return d.String()
}

// sigPrefix names the signature's form; a checkpoint of another form
// (written by an older imapdir) never matches, and the scan after an
// upgrade is a full reconcile.
const sigPrefix = "sig3:"

// digest is a set of files digested: 128 bits, the XOR of each file's
// SHA-256 (truncated) of its directory, name and inode number.
type digest [16]byte

// toggle adds e to the set, or takes it out when it is in.
func (d *digest) toggle(e maildir.Entry) {
	h := sha256.Sum256([]byte(e.Subdir + "/" + e.File + "\x00" + strconv.FormatUint(e.Ino, 10)))
	for i := range d {
		d[i] ^= h[i]
	}
}

func (d digest) String() string { return sigPrefix + hex.EncodeToString(d[:]) }

// parseDigest reads a signature written by digest.String.
func parseDigest(sig string) (d digest, ok bool) {
	h, found := strings.CutPrefix(sig, sigPrefix)
	if !found || hex.DecodedLen(len(h)) != len(d) {
		return d, false
	}
	_, err := hex.Decode(d[:], []byte(h))
	return d, err == nil
}

// ownChange updates the folder's recorded checkpoint, in the transaction
// that records the store's own change to the index: the files gone and
// came are taken out of and put into its signature, and the directory
// times are dropped (they changed). So the next scan finds the folder as
// the index has it, and needs no read of the index, unless something
// else changed it too. Files a mail reader changed meanwhile make the
// signature differ from the folder's, and that scan a full reconcile.
// With no signature recorded, none is made up.
func ownChange(tx *statedb.Tx, id statedb.NearMailboxID, gone, came []maildir.Entry) error {
	nm, found, err := tx.NearMailbox(id)
	if err != nil || !found || nm.Checkpoint == "" {
		return err
	}
	sig, _ := splitCheckpoint(nm.Checkpoint)
	d, ok := parseDigest(sig)
	nm.Checkpoint = ""
	if ok {
		for _, e := range gone {
			d.toggle(e)
		}
		for _, e := range came {
			d.toggle(e)
		}
		nm.Checkpoint = d.String()
	}
	return tx.UpdateNearMailbox(nm)
}

// ownChangeFrom is ownChange in the transaction that ends a Flush:
// noteDeliveries dropped the checkpoint before the files were renamed
// into place, and prior is the one recorded before that. With the
// checkpoint still dropped (nothing else recorded one since), prior is
// put back and updated; a crash before this transaction leaves it
// dropped, so the next scan is a full one.
func ownChangeFrom(tx *statedb.Tx, id statedb.NearMailboxID, prior string, gone, came []maildir.Entry) error {
	nm, found, err := tx.NearMailbox(id)
	if err != nil || !found {
		return err
	}
	if nm.Checkpoint == "" && prior != "" {
		nm.Checkpoint = prior
		if err := tx.UpdateNearMailbox(nm); err != nil {
			return err
		}
	}
	return ownChange(tx, id, gone, came)
}

// recordedCheckpoint returns the folder's recorded scan checkpoint.
func (m *Mailbox) recordedCheckpoint(ctx context.Context) (string, error) {
	var cp string
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		nm, found, err := tx.NearMailbox(m.id)
		if found {
			cp = nm.Checkpoint
		}
		return err
	})
	return cp, err
}

// readStatus loads the folder's index entry into m when same() accepts
// the recorded checkpoint; done is false when it does not (or the folder is
// not indexed yet). When record is set and differs from what is recorded,
// it is recorded (the same files, newly seen directory times).
func (m *Mailbox) readStatus(ctx context.Context, same func(string) bool, record string) (done bool, err error) {
	var nm statedb.NearMailbox
	err = m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		var found bool
		nm, found, err = tx.NearMailboxByName(m.name)
		if err != nil || !found || !same(nm.Checkpoint) {
			return err
		}
		done = true
		count, err := tx.CountNearMessages(nm.ID)
		m.id, m.gen = nm.ID, nm.Generation
		m.status = store.Status{UIDValidity: nm.UIDValidity, UIDNext: store.UID(nm.UIDNext), Messages: count}
		return err
	})
	if err == nil && done && record != "" && record != nm.Checkpoint {
		err = m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
			cur, found, err := tx.NearMailbox(nm.ID)
			if err != nil || !found || cur.Checkpoint != nm.Checkpoint {
				return err // changed meanwhile: leave it to the next scan
			}
			cur.Checkpoint = record
			return tx.UpdateNearMailbox(cur)
		})
	}
	if err != nil {
		return false, m.err("scan", err)
	}
	return done, nil
}

// racyWindow is how long after a directory changed its mtime is not
// trusted to show the next change: a rename in the same timestamp tick
// leaves the mtime as it was (the "racy git" problem).
const racyWindow = 2 * time.Second

// dirTimes returns the mtimes of new/ and cur/ as "new,cur" nanoseconds,
// or "" when either changed within racyWindow (or cannot be read). Every
// delivery, flag change, removal or move renames or unlinks in one of
// them, so equal times mean equal file names.
func (m *Mailbox) dirTimes() string {
	limit := time.Now().Add(-racyWindow)
	var parts [2]string
	for i, sub := range []string{maildir.SubNew, maildir.SubCur} {
		st, err := os.Stat(filepath.Join(m.folder.Path(), sub))
		if err != nil || !st.ModTime().Before(limit) {
			return ""
		}
		parts[i] = strconv.FormatInt(st.ModTime().UnixNano(), 10)
	}
	return parts[0] + "," + parts[1]
}

// The recorded checkpoint is the file-name signature, then optionally
// " dirs:" and the directory times it was taken with.
func joinCheckpoint(sig, dirs string) string {
	if dirs == "" {
		return sig
	}
	return sig + " dirs:" + dirs
}

func splitCheckpoint(cp string) (sig, dirs string) {
	sig, dirs, _ = strings.Cut(cp, " dirs:")
	return sig, dirs
}

// missingKnown returns the known unique names that neither files nor
// elsewhere holds.
func missingKnown(files map[string]maildir.Entry, known map[string]time.Time, elsewhere map[string]located) []string {
	var out []string
	for u := range known {
		if _, ok := files[u]; ok {
			continue
		}
		if _, ok := elsewhere[u]; !ok {
			out = append(out, u)
		}
	}
	return out
}

// confirmMissing makes sure a known file that one scan did not see is
// really gone before the reconcile drops it: a mail reader's rename can
// hide a file from a directory listing (it leaves one getdents buffer and
// enters another one already read). The other folders are scanned (a
// move); what is still missing is looked for by a second scan of this
// folder, and what that finds is added to files (rescued is then true:
// the first scan's signature describes no real state of the folder and
// must not be recorded). Only a file missing from both scans and from
// every other folder, looked at after the second scan, is a deletion.
func (m *Mailbox) confirmMissing(ctx context.Context, files map[string]maildir.Entry, known map[string]time.Time) (elsewhere map[string]located, rescued bool, err error) {
	if len(missingKnown(files, known, nil)) == 0 {
		return nil, false, nil
	}
	if elsewhere, err = m.s.locateAll(ctx, m.name); err != nil {
		return nil, false, m.err("scan", err)
	}
	missing := missingKnown(files, known, elsewhere)
	if len(missing) == 0 {
		return elsewhere, false, nil
	}
	again, err := m.scanFolder(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, u := range missing {
		if e, ok := again[u]; ok {
			files[u], rescued = e, true
		}
	}
	if len(missingKnown(files, known, elsewhere)) > 0 {
		if elsewhere, err = m.s.locateAll(ctx, m.name); err != nil {
			return nil, false, m.err("scan", err)
		}
	}
	return elsewhere, rescued, nil
}

// inspectNew reads size and mtime of the files the index does not know,
// outside any database transaction (a first scan of a large existing
// Maildir reads every file once to learn its wire size).
func (m *Mailbox) inspectNew(ctx context.Context, files map[string]maildir.Entry, known map[string]time.Time) (map[string]fileInfo, error) {
	fresh := map[string]fileInfo{}
	for u, e := range files {
		if _, ok := known[u]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fi, err := inspect(m.folder, e, m.s.headerItems())
		if errors.Is(err, os.ErrNotExist) {
			continue // renamed or removed meanwhile: the next scan sees it
		}
		if err != nil {
			return nil, m.err("scan", err)
		}
		fresh[u] = fi
	}
	return fresh, nil
}

// inspect stats a file and learns its wire size: Dovecot's ",W=" field
// when present, else by reading it, without its X-TUID fields (tuid.go);
// withItems: without its X-Keywords field either (read always).
func inspect(f *maildir.Folder, e maildir.Entry, withItems bool) (fileInfo, error) {
	p := e.Path(f)
	st, err := os.Stat(p)
	if err != nil {
		return fileInfo{}, err
	}
	fi := fileInfo{entry: e, mtime: st.ModTime()}
	if withItems {
		kf, err := readKeywordFile(p)
		fi.wireSize = kf.wire
		return fi, err
	}
	if w, ok := e.Name.VirtualSize(); ok {
		fi.wireSize = w
		return fi, nil
	}
	f2, err := os.Open(p)
	if err != nil {
		return fi, err
	}
	defer f2.Close()
	fi.wireSize, err = fileWireSize(f2, false)
	return fi, err
}

// reconciler is one reconcile's transaction.
type reconciler struct {
	m         *Mailbox
	tx        *statedb.Tx
	files     map[string]maildir.Entry
	fresh     map[string]fileInfo
	edited    map[string]bool      // known files changed in place: replaced
	relabel   map[string]time.Time // known files whose X-Keywords changed: their new mtime
	replaces  map[string]uint32    // edited files indexed anew: the UID each replaces
	added     []string             // unique names indexed as new, looked at again next scan
	kw        *maildir.Keywords
	elsewhere map[string]located
	sig       string // the scan's signature, recorded unless a file was skipped
	skipped   bool
	nm        statedb.NearMailbox
	gen       uint64
	bumped    bool
	bumps     map[statedb.NearMailboxID]uint64 // other folders' new generations
	gone      map[string]tombstone             // dropped entries (see tombstone); nil until loaded
	goneDirty bool
}

func (r *reconciler) run(ctx context.Context) error {
	nm, err := ensureNearMailbox(r.tx, r.m.name)
	if err != nil {
		return err
	}
	r.nm, r.gen = nm, nm.Generation+1
	var missing, replaced []statedb.NearMessage
	err = r.tx.IterateNearMessages(nm.ID, 0, func(msg statedb.NearMessage) error {
		if r.edited[msg.UniqueName] {
			if _, ok := r.fresh[msg.UniqueName]; !ok {
				// Not inspected (renamed meanwhile): the old entry stays
				// until a scan can index the new content in its place.
				delete(r.files, msg.UniqueName)
				r.skipped = true
				return nil
			}
			replaced = append(replaced, msg)
			return nil
		}
		e, ok := r.files[msg.UniqueName]
		if !ok {
			missing = append(missing, msg)
			return nil
		}
		delete(r.files, msg.UniqueName)
		return r.updateKnown(msg, e)
	})
	if err != nil {
		return err
	}
	for _, msg := range missing {
		if err := r.handleMissing(msg); err != nil {
			return err
		}
	}
	for _, msg := range replaced {
		// The old message goes and the file is indexed as a new message
		// in this same transaction, so a caller sees the old UID vanish
		// and the new content appear in one listing: it can send the new
		// message before it deletes the old one, and the peer is never
		// left without the message. The new message names the UID it
		// replaces (store.Message.Replaces): with the same Message-ID and
		// size, the two must not read as one message renumbered, or the
		// edit would never reach the peer.
		r.bumped = true
		if err := r.tx.DeleteNearMessage(r.nm.ID, msg.UID); err != nil {
			return err
		}
		if r.replaces == nil {
			r.replaces = map[string]uint32{}
		}
		r.replaces[msg.UniqueName] = msg.UID
	}
	if err := r.settleDeliveries(); err != nil {
		return err
	}
	if err := r.addUnknown(ctx); err != nil {
		return err
	}
	return r.finish()
}

// updateKnown records a known file's current name and flags.
func (r *reconciler) updateKnown(msg statedb.NearMessage, e maildir.Entry) error {
	mtime, relabeled := r.relabel[msg.UniqueName]
	if e.Subdir == msg.Subdir && e.File == msg.FileName && !relabeled {
		return nil
	}
	if e.Name.Unique != msg.UniqueName {
		return nil // a DryRun alias: indexed under the name it would have (dryView)
	}
	if relabeled {
		msg.MTime = mtime
	}
	flags, err := flagSet(fileFlags(e.Flags(), r.kw, msg.Flags))
	if err != nil {
		return err
	}
	// Any rename is stamped, not only a flag change: a listing that raced
	// with it (new/ to cur/ by a mail reader) may have left the message
	// out, and Changes may over-report but never miss.
	msg.Flags, msg.ChangedGen, r.bumped = flags, r.gen, true
	msg.Subdir, msg.FileName = e.Subdir, e.File
	return r.tx.UpdateNearMessage(msg)
}

// handleMissing follows a known file that left the folder.
func (r *reconciler) handleMissing(msg statedb.NearMessage) error {
	r.bumped = true
	loc, ok := r.elsewhere[msg.UniqueName]
	if !ok {
		if err := r.bury(msg); err != nil {
			return err
		}
		return r.tx.DeleteNearMessage(r.nm.ID, msg.UID)
	}
	dest, err := ensureNearMailbox(r.tx, loc.mailbox)
	if err != nil {
		return err
	}
	destGen, err := r.bump(dest)
	if err != nil {
		return err
	}
	flags, err := flagSet(fileFlags(loc.entry.Flags(), loc.kw, msg.Flags))
	if err != nil {
		return err
	}
	moved := msg
	moved.Mailbox, moved.Subdir, moved.FileName, moved.Flags, moved.ChangedGen = dest.ID, loc.entry.Subdir, loc.entry.File, flags, destGen
	newUID, err := r.tx.MoveNearMessage(r.nm.ID, msg.UID, moved)
	if err != nil {
		return err
	}
	return recordMove(r.tx, r.nm.ID, r.m.name, msg.UID, dest.ID, loc.mailbox, newUID, r.gen, destGen)
}

// addUnknown indexes the files the index did not know, oldest name first
// (unique names start with the delivery time), so UIDs follow arrival.
func (r *reconciler) addUnknown(ctx context.Context) error {
	uniques := make([]string, 0, len(r.files))
	for u := range r.files {
		uniques = append(uniques, u)
	}
	sort.Strings(uniques)
	for _, u := range uniques {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.addOne(u, r.files[u]); err != nil {
			return err
		}
	}
	return nil
}

func (r *reconciler) addOne(unique string, e maildir.Entry) error {
	fi, ok := r.fresh[unique]
	if !ok {
		r.skipped = true
		return nil // appeared after the inspection: the next scan takes it
	}
	flags, err := flagSet(flagsOf(e.Flags(), r.kw))
	if err != nil {
		return err
	}
	msg := statedb.NearMessage{Mailbox: r.nm.ID, UniqueName: unique, Subdir: e.Subdir, FileName: e.File,
		Flags: flags, Size: fi.wireSize, MTime: fi.mtime, ChangedGen: r.gen}
	r.bumped = true
	other, found, err := r.tx.NearMessageByUniqueName(unique)
	if err != nil {
		return err
	}
	if found {
		return r.movedOrCopied(other, msg)
	}
	if done, err := r.completeDeletion(unique, e, fi.mtime, fi.wireSize); done || err != nil {
		return err
	}
	uid, err := r.tx.AssignNearUID(msg)
	if err != nil {
		return err
	}
	r.added = append(r.added, unique)
	if old, ok := r.replaces[unique]; ok {
		return recordEdit(r.tx, r.nm.ID, r.m.name, old, uid, r.gen)
	}
	if old, ok, err := r.unbury(unique, fi.mtime, fi.wireSize); err != nil || ok {
		if err == nil {
			err = recordEdit(r.tx, r.nm.ID, r.m.name, old, uid, r.gen)
		}
		return err
	}
	return nil
}

// loadGone reads the folder's tombstones once per reconcile.
func (r *reconciler) loadGone() error {
	if r.gone != nil {
		return nil
	}
	ts, err := readTombstones(r.tx, r.nm.ID)
	if ts == nil {
		ts = map[string]tombstone{}
	}
	r.gone = ts
	return err
}

// bury keeps a tombstone of a known file found nowhere.
func (r *reconciler) bury(msg statedb.NearMessage) error {
	if err := r.loadGone(); err != nil {
		return err
	}
	r.gone[msg.UniqueName] = tombstone{UID: msg.UID, MTime: msg.MTime.UnixNano(), Seq: r.gen, Size: msg.Size}
	r.goneDirty = true
	return nil
}

// completeDeletion removes a file that comes back unchanged after the
// engine expunged its message while it was away (see tombstone); done
// reports that it did.
func (r *reconciler) completeDeletion(unique string, e maildir.Entry, mtime time.Time, size int64) (done bool, err error) {
	if err := r.loadGone(); err != nil {
		return false, err
	}
	t, ok := r.gone[unique]
	if !ok || t.Deleted == 0 || !t.sameFile(mtime, size) || time.Since(time.Unix(t.Deleted, 0)) > deletionRecall {
		return false, nil
	}
	if r.m.s.opts.DryRun {
		r.m.s.dry.set(r.m.folder.Path(), unique, "")
	} else if err := os.Remove(e.Path(r.m.folder)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("complete the deletion of %s: %w", e.File, err)
	}
	r.m.s.log.Info("a message deleted while its file was away came back; deleted again",
		"mailbox", r.m.name, "file", e.File)
	delete(r.gone, unique)
	r.goneDirty, r.skipped = true, true // the scan's signature holds the file
	return true, nil
}

// unbury takes the tombstone of a file back under its unique name; edited
// reports that it is not the file that left (tombstone.sameFile), with the
// UID it had.
func (r *reconciler) unbury(unique string, mtime time.Time, size int64) (old uint32, edited bool, err error) {
	if err := r.loadGone(); err != nil {
		return 0, false, err
	}
	t, ok := r.gone[unique]
	if !ok {
		return 0, false, nil
	}
	delete(r.gone, unique)
	r.goneDirty = true
	return t.UID, !t.sameFile(mtime, size), nil
}

// movedOrCopied handles a file whose unique name the index has in another
// folder: still there, this is a copy (renamed to a fresh unique name so
// both keep an identity); gone from there, a move.
func (r *reconciler) movedOrCopied(other statedb.NearMessage, msg statedb.NearMessage) error {
	src, found, err := r.tx.NearMailbox(other.Mailbox)
	if err != nil || !found {
		return fmt.Errorf("index entry %q names a missing folder (%v)", other.UniqueName, err)
	}
	srcPath, err := r.m.s.opts.Layout.Path(r.m.s.opts.Root, src.Name)
	if err != nil {
		return err
	}
	if stillThere(srcPath, other) {
		return r.copyIn(msg)
	}
	srcGen, err := r.bump(src)
	if err != nil {
		return err
	}
	if !other.MTime.IsZero() && !other.MTime.Equal(msg.MTime) {
		// Moved and edited before this scan: a new message here, and
		// the one the index knew is gone from its folder.
		if err := r.tx.DeleteNearMessage(other.Mailbox, other.UID); err != nil {
			return err
		}
		_, err := r.tx.AssignNearUID(msg)
		return err
	}
	newUID, err := r.tx.MoveNearMessage(other.Mailbox, other.UID, msg)
	if err != nil {
		return err
	}
	return recordMove(r.tx, src.ID, src.Name, other.UID, r.nm.ID, r.m.name, newUID, srcGen, r.gen)
}

// copyIn gives a copied file a fresh unique name and indexes it as new
// (under DryRun, only in the index: see dryView).
func (r *reconciler) copyIn(msg statedb.NearMessage) error {
	oldPath := filepath.Join(r.m.folder.Path(), msg.Subdir, msg.FileName)
	unique := r.m.s.namer.Next()
	name := maildir.ParseName(msg.FileName)
	newFile := unique + msg.FileName[len(name.Unique):]
	if r.m.s.opts.DryRun {
		r.m.s.dry.set(r.m.folder.Path(), msg.UniqueName, unique)
		msg.UniqueName, msg.FileName = unique, newFile
		r.skipped = true
		_, err := r.tx.AssignNearUID(msg)
		return err
	}
	if err := os.Link(oldPath, filepath.Join(r.m.folder.Path(), msg.Subdir, newFile)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			r.skipped = true // renamed by a mail reader meanwhile: the next scan sees it
			return nil
		}
		return fmt.Errorf("rename copied file %s: %w", oldPath, err)
	}
	if err := os.Remove(oldPath); err != nil {
		return fmt.Errorf("rename copied file %s: %w", oldPath, err)
	}
	if err := syncDir(filepath.Join(r.m.folder.Path(), msg.Subdir)); err != nil {
		return err
	}
	msg.UniqueName, msg.FileName = unique, newFile
	r.skipped = true // renamed after the scan: its signature is stale
	_, err := r.tx.AssignNearUID(msg)
	return err
}

// stillThere reports whether the indexed file of msg, or a file with its
// unique name, is in folder dir.
func stillThere(dir string, msg statedb.NearMessage) bool {
	if _, err := os.Lstat(filepath.Join(dir, msg.Subdir, msg.FileName)); err == nil {
		return true
	}
	f, err := maildir.Open(dir)
	if err != nil {
		return false
	}
	entries, err := f.Scan(context.Background(), maildir.ScanOptions{})
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name.Unique == msg.UniqueName {
			return true
		}
	}
	return false
}

// bump advances another folder's scan generation once per reconcile, so a
// message moved into it is reported by its next Changes.
func (r *reconciler) bump(nm statedb.NearMailbox) (uint64, error) {
	if nm.ID == r.nm.ID {
		return r.gen, nil
	}
	if g, ok := r.bumps[nm.ID]; ok {
		return g, nil
	}
	nm.Generation++
	if err := r.tx.UpdateNearMailbox(nm); err != nil {
		return 0, err
	}
	r.bumps[nm.ID] = nm.Generation
	return nm.Generation, nil
}

// finish records the new generation and reads back the folder's status.
func (r *reconciler) finish() error {
	nm, _, err := r.tx.NearMailbox(r.nm.ID)
	if err != nil {
		return err
	}
	if r.bumped {
		nm.Generation = r.gen
	}
	nm.Checkpoint = r.sig
	if r.skipped {
		nm.Checkpoint = ""
	}
	if err := r.tx.UpdateNearMailbox(nm); err != nil {
		return err
	}
	if err := writeAdded(r.tx, nm.ID, r.added); err != nil {
		return err
	}
	if r.goneDirty {
		if err := writeTombstones(r.tx, nm.ID, r.gone); err != nil {
			return err
		}
	}
	if err := writeStatted(r.tx, nm.ID); err != nil { // findEdited statted every known file
		return err
	}
	count, err := r.tx.CountNearMessages(nm.ID)
	if err != nil {
		return err
	}
	r.m.id, r.m.gen = nm.ID, nm.Generation
	r.m.status = store.Status{UIDValidity: nm.UIDValidity, UIDNext: store.UID(nm.UIDNext), Messages: count}
	return nil
}

// ensureNearMailbox returns the index entry of folder name, creating it
// with a fresh UIDVALIDITY.
func ensureNearMailbox(tx *statedb.Tx, name string) (statedb.NearMailbox, error) {
	nm, found, err := tx.NearMailboxByName(name)
	if err != nil || found {
		return nm, err
	}
	v, err := nextUIDValidity(tx)
	if err != nil {
		return nm, err
	}
	return tx.AddNearMailbox(name, v)
}

// lastUIDValidityKey keeps the last UIDVALIDITY handed out, account-wide.
const lastUIDValidityKey = "maildirstore.last-uidvalidity"

// nextUIDValidity derives a UIDVALIDITY from the clock, as Dovecot does, and
// makes it larger than every one handed out before: a folder forgotten and
// indexed again (its UIDs renumbered) must never present the UIDVALIDITY it
// had, or a peer would take the new numbers for the old messages
// (RFC 9051 §2.3.1.1).
func nextUIDValidity(tx *statedb.Tx) (uint32, error) {
	v := uint32(time.Now().Unix())
	last, found, err := tx.Meta(lastUIDValidityKey)
	if err != nil {
		return 0, err
	}
	if found {
		l, err := strconv.ParseUint(last, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("state %s: %q: %w", lastUIDValidityKey, last, err)
		}
		if uint32(l) >= v {
			v = uint32(l) + 1
		}
	}
	if v == 0 {
		v = 1
	}
	return v, tx.SetMeta(lastUIDValidityKey, strconv.FormatUint(uint64(v), 10))
}
