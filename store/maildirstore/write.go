package maildirstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// pendingAppend is a message delivered into tmp/ by Append, waiting for
// Flush.
type pendingAppend struct {
	entry maildir.Entry
	uid   store.UID // the UID Append promised
	msg   statedb.NearMessage
}

// Append stages the message in tmp/ (CRLF turned into LF while writing,
// mtime set to the INTERNALDATE) and returns the UID it will have. It
// becomes visible and durable, and its UID recorded, at Flush.
func (m *Mailbox) Append(ctx context.Context, nm store.NewMessage) (store.UID, error) {
	if m.closed {
		return 0, m.err("append", errors.New("mailbox is closed"))
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	m.scanned = false
	kw, err := m.keywords()
	if err != nil {
		return 0, m.err("append", err)
	}
	letters, kwChanged, unlettered, err := lettersOf(maildir.Flags{}, nm.Flags, kw)
	if err != nil {
		return 0, m.err("append", err)
	}
	m.warnUnlettered(unlettered)
	if kwChanged {
		if err := m.folder.WriteKeywords(kw); err != nil {
			return 0, m.err("append", err)
		}
	}
	// A message is delivered without X-TUID fields (tuid.go): its size is
	// the one a scan of the file finds.
	msgBody, _ := fileFields(nm.Body, false)
	counter := &wireCounter{r: msgBody}
	var body io.Reader = counter
	if m.s.headerItems() {
		// counter still sees the message as given: its size is the one
		// indexed, without the field (see xkeywords.go).
		if body, err = withKeywords(counter, m.s.appendItems(nm)); err != nil {
			return 0, m.err("append", err)
		}
	}
	// Unseen messages go to new/ whatever their other flags, as mbsync
	// and Dovecot deliver them, so that the readers' "new" (mu's flag:new,
	// notmuch's tag:new) agrees with other tools.
	opts := maildir.DeliverOptions{Flags: letters, ModTime: nm.InternalDate, ToLF: true,
		New: m.s.opts.NewForUnseen && !letters.Has(maildir.FlagSeen)}
	e, err := m.batch.Deliver(ctx, m.folder, body, opts)
	if err != nil {
		if store.ScopeOf(err) == store.ScopeMessage {
			return 0, err // the body's source refused this one message
		}
		return 0, m.err("append", err)
	}
	if nm.Size >= 0 && counter.n != nm.Size {
		// Some servers (Exchange) report a stored size as RFC822.SIZE, not
		// the size of the body they send. The body is what was delivered,
		// complete (a cut connection fails the copy above): its size is
		// the one recorded.
		m.s.log.Debug("message size differs from the announced one; keeping the body's",
			"mailbox", m.name, "announced", nm.Size, "body", counter.n)
	}
	flags, err := flagSet(flagsOf(letters, kw).Union(unlettered))
	if err != nil {
		return 0, m.err("append", err)
	}
	uid := m.status.UIDNext + store.UID(len(m.pending))
	mtime := e.ModTime // as on disk: a later scan compares it (findEdited)
	m.pending = append(m.pending, pendingAppend{entry: e, uid: uid, msg: statedb.NearMessage{
		Mailbox: m.id, UniqueName: e.Name.Unique, Subdir: e.Subdir, FileName: e.File,
		Flags: flags, Size: counter.n, MTime: mtime, ChangedGen: m.gen}})
	return uid, nil
}

// wireCounter counts the wire size of what passes through it: the bytes,
// plus one for every LF not preceded by CR (sent as CRLF).
type wireCounter struct {
	r    io.Reader
	n    int64
	prev byte
}

func (c *wireCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for _, b := range p[:n] {
		c.n++
		if b == '\n' && c.prev != '\r' {
			c.n++
		}
		c.prev = b
	}
	return n, err
}

// Flush makes the staged appends durable (maildir.Batch.Commit: data
// flushed, renamed into cur/ or new/, directories fsynced) and only then
// records their UIDs in the state database. Before the commit, the UIDs
// promised are noted (see noteDeliveries): a process killed between the
// commit and the recording leaves files the index does not know, and one
// of them deleted by the user before the next scan must read as a UID
// made durable and deleted, not as a UID never used.
func (m *Mailbox) Flush(ctx context.Context) error {
	if len(m.pending) == 0 {
		return nil
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	// noteDeliveries drops the recorded checkpoint (a crash before the
	// recording below must make the next scan a full one); the recording
	// puts it back with the deliveries digested in.
	prior, err := m.recordedCheckpoint(ctx)
	if err != nil {
		m.pending = nil
		_ = m.batch.Abort()
		return m.err("flush", err)
	}
	if err := m.noteDeliveries(ctx, m.pending); err != nil {
		m.pending = nil
		_ = m.batch.Abort()
		return m.err("flush", err)
	}
	if err := m.batch.Commit(ctx); err != nil {
		m.pending = nil
		// The staged files not renamed are removed: no delivery to
		// account for (one renamed is found by the next scan, as new).
		_ = m.forgetDeliveries(context.WithoutCancel(ctx))
		return m.err("flush", err)
	}
	pending := m.pending
	m.pending = nil
	came := make([]maildir.Entry, len(pending))
	for i, p := range pending {
		came[i] = withInode(m.folder, p.entry)
	}
	err = m.s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		for _, p := range pending {
			uid, err := tx.AssignNearUID(p.msg)
			if err != nil {
				return err
			}
			if store.UID(uid) != p.uid {
				return fmt.Errorf("UID %d assigned to %s, %d promised (the folder changed under the store)", uid, p.entry.File, p.uid)
			}
		}
		if err := tx.DeleteMeta(deliveriesKey(m.id)); err != nil {
			return err
		}
		return ownChangeFrom(tx, m.id, prior, nil, came)
	})
	if err != nil {
		return m.err("flush", err)
	}
	m.status.UIDNext += store.UID(len(pending))
	m.status.Messages += len(pending)
	return nil
}

// UpdateFlags renames the files of uids to carry the new flags (all renames
// made durable together) and records the new names. Files a mail reader
// renamed meanwhile are found again by their unique name. A file found
// nowhere in the folder (deleted, or moved to another folder by a mail
// reader) is returned as a conflict, like a CONDSTORE refusal: the change
// was not made, and the caller plans it again after the next scan tells
// what became of the message.
func (m *Mailbox) UpdateFlags(ctx context.Context, ch store.FlagChange) ([]store.UID, error) {
	if ch.UnchangedSince != 0 {
		return nil, m.err("store flags", fmt.Errorf("%w: UNCHANGEDSINCE (no modseqs in a Maildir)", store.ErrUnsupported))
	}
	if len(ch.AddLabels)+len(ch.RemoveLabels) > 0 && !m.s.opts.Labels {
		return nil, m.err("store flags", fmt.Errorf("%w: labels", store.ErrUnsupported))
	}
	if err := m.Flush(ctx); err != nil {
		return nil, err
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	m.scanned = false
	gone, err := m.updateItems(ctx, ch)
	if err != nil || len(ch.Add)+len(ch.Remove) == 0 {
		// A change of labels alone renames nothing: a file in new/
		// stays there.
		return gone, err
	}
	kw, err := m.keywords()
	if err != nil {
		return nil, m.err("store flags", err)
	}
	found, err := m.locateMany(ctx, ch.UIDs)
	if err != nil {
		return nil, m.err("store flags", err)
	}
	var updated []flagUpdate
	var notFound []store.UID
	for _, uid := range ch.UIDs {
		x, ok := found[uid]
		if !ok {
			notFound = append(notFound, uid)
			continue
		}
		delete(found, uid) // a UID given twice is renamed once
		u, err := m.update(ctx, uid, x, ch, kw)
		if err != nil {
			_ = m.batch.Commit(ctx)
			return nil, err
		}
		updated = append(updated, u)
	}
	if err := m.batch.Commit(ctx); err != nil {
		return nil, m.err("store flags", err)
	}
	return notFound, m.record(ctx, "store flags", func(tx *statedb.Tx) error {
		return m.recordFlags(tx, updated)
	})
}

// flagUpdate is one file renamed by UpdateFlags (from old to new).
// readerChanged: the file carried flags the index did not know (a mail
// reader changed them after the last scan); that change is still to be
// reported by Changes.
type flagUpdate struct {
	msg           statedb.NearMessage
	old, new      maildir.Entry
	readerChanged bool
}

// recordFlags records renamed files. When a mail reader's change was
// found on the way, the folder's generation is advanced and the message
// stamped with it, so the next Changes reports it: the caller's checkpoint
// was taken before this rename.
func (m *Mailbox) recordFlags(tx *statedb.Tx, updated []flagUpdate) error {
	gone := make([]maildir.Entry, len(updated))
	came := make([]maildir.Entry, len(updated))
	for i, u := range updated {
		gone[i], came[i] = u.old, u.new
	}
	if err := ownChange(tx, m.id, gone, came); err != nil {
		return err
	}
	stamped := false
	for _, u := range updated {
		if u.readerChanged && !stamped {
			if err := m.bumpGeneration(tx); err != nil {
				return err
			}
			stamped = true
		}
		if u.readerChanged {
			u.msg.ChangedGen = m.gen
		}
		if err := tx.UpdateNearMessage(u.msg); err != nil {
			return err
		}
	}
	return nil
}

// update renames one message's file (x, as locateMany found it) for a
// flag change. The change applies to the flags the file has now, which a
// mail reader may have changed since the last scan: never to the index's
// copy.
func (m *Mailbox) update(ctx context.Context, uid store.UID, x indexed, ch store.FlagChange, kw *maildir.Keywords) (flagUpdate, error) {
	msg, e := x.msg, x.entry
	onDisk := fileFlags(e.Flags(), kw, msg.Flags)
	readerChanged := !onDisk.Equal(storeFlags(msg.Flags))
	flags := onDisk.Union(ch.Add).Minus(ch.Remove)
	letters, changed, unlettered, err := lettersOf(e.Flags(), flags, kw)
	if err != nil {
		return flagUpdate{}, m.errUID("store flags", uid, err)
	}
	m.warnUnlettered(unlettered)
	if changed {
		if err := m.folder.WriteKeywords(kw); err != nil {
			return flagUpdate{}, m.errUID("store flags", uid, err)
		}
	}
	ne, err := m.batch.SetFlags(ctx, m.folder, e, letters)
	if err != nil {
		return flagUpdate{}, m.errUID("store flags", uid, err)
	}
	fs, err := flagSet(flagsOf(letters, kw).Union(unlettered))
	if err != nil {
		return flagUpdate{}, m.errUID("store flags", uid, err)
	}
	ne.Ino = e.Ino // a rename keeps the inode
	msg.Subdir, msg.FileName, msg.Flags = ne.Subdir, ne.File, fs
	return flagUpdate{msg: msg, old: e, new: ne, readerChanged: readerChanged}, nil
}

// record runs one state transaction, mapping its error.
func (m *Mailbox) record(ctx context.Context, op string, fn func(tx *statedb.Tx) error) error {
	if err := m.s.opts.DB.Update(ctx, fn); err != nil {
		return m.err(op, err)
	}
	return nil
}

// Expunge removes the files of uids (all removals made durable together)
// and drops them from the index.
func (m *Mailbox) Expunge(ctx context.Context, uids []store.UID) error {
	if err := m.Flush(ctx); err != nil {
		return err
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	m.scanned = false
	found, away, err := m.locateOrAway(ctx, uids)
	if err != nil {
		return m.err("expunge", err)
	}
	var gone []store.UID
	var files []maildir.Entry
	edited := false // a file kept because it was saved again since the scan
	for _, uid := range uids {
		x, ok := found[uid]
		if !ok {
			continue
		}
		delete(found, uid) // a UID given twice is removed once
		if editedSince(x.entry.Path(m.folder), x.msg) {
			// Saved again by a mail reader since the scan: the new text
			// is not what was asked to be deleted. The next scan finds it
			// edited and reports it as a new message.
			edited = true
			continue
		}
		if err := m.batch.Remove(ctx, m.folder, x.entry); err != nil {
			_ = m.batch.Commit(ctx)
			return m.errUID("expunge", uid, err)
		}
		gone = append(gone, uid)
		files = append(files, x.entry)
	}
	if err := m.batch.Commit(ctx); err != nil {
		return m.err("expunge", err)
	}
	err = m.record(ctx, "expunge", func(tx *statedb.Tx) error {
		for _, uid := range gone {
			if err := tx.DeleteNearMessage(m.id, uint32(uid)); err != nil {
				return err
			}
		}
		if err := buryDeleted(tx, m.id, away, m.gen); err != nil {
			return err
		}
		if err := m.bumpGeneration(tx); err != nil {
			return err
		}
		removed := make([]uint32, len(gone))
		for i, u := range gone {
			removed[i] = uint32(u)
		}
		if err := recordExpunge(tx, m.id, m.gen, removed); err != nil {
			return err
		}
		if edited || len(away) > 0 {
			// A file saved again since the scan, or files gone from the
			// folder behind the snapshot's back (which may come back
			// under the same name and inode): the next scan must look at
			// every file.
			return forgetScan(tx, m.id)
		}
		return ownChange(tx, m.id, files, nil)
	})
	if err == nil {
		m.status.Messages -= len(gone)
	}
	return err
}

// Move renames the files of uids into folder dest (keeping their names, so
// mail readers and the next scan see the same message) and moves their
// index entries, which gives them UIDs in dest.
func (m *Mailbox) Move(ctx context.Context, uids []store.UID, dest string) (map[store.UID]store.UID, error) {
	if err := m.Flush(ctx); err != nil {
		return nil, err
	}
	df, err := m.s.opts.Layout.Open(m.s.opts.Root, dest, maildir.WithNamer(m.s.namer))
	if err != nil {
		return nil, m.s.openErr("move", dest, err)
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	m.scanned = false
	dl := m.s.folderLock(dest)
	if dest != m.name {
		dl.Lock()
		defer dl.Unlock()
	}
	out := map[store.UID]store.UID{}
	for _, uid := range uids {
		newUID, ok, err := m.moveOne(ctx, uid, df, dest)
		if err != nil {
			return out, err
		}
		if ok {
			out[uid] = newUID
		}
	}
	m.status.Messages -= len(out)
	return out, nil
}

// moveOne moves one file (maildir.Folder.MoveTo: never replacing a file,
// both directories fsynced) and then its index entry.
func (m *Mailbox) moveOne(ctx context.Context, uid store.UID, df *maildir.Folder, dest string) (store.UID, bool, error) {
	msg, e, err := m.locate(ctx, uid)
	if errors.Is(err, errVanished) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, m.errUID("move", uid, err)
	}
	ne, err := m.folder.MoveTo(ctx, e, df)
	if err != nil {
		// fs.ErrExist: a file of that name is in dest already (a crash
		// between link and unlink of an earlier move): both stay, the
		// next scan sees the copy; never remove either blindly.
		return 0, false, m.errUID("move", uid, err)
	}
	var newUID uint32
	err = m.record(ctx, "move", func(tx *statedb.Tx) error {
		dnm, err := ensureNearMailbox(tx, dest)
		if err != nil {
			return err
		}
		if err := forgetScan(tx, dnm.ID); err != nil {
			return err
		}
		msg.Mailbox, msg.Subdir, msg.FileName, msg.ChangedGen = dnm.ID, ne.Subdir, ne.File, dnm.Generation
		if newUID, err = tx.MoveNearMessage(m.id, uint32(uid), msg); err != nil {
			return err
		}
		if err := m.bumpGeneration(tx); err != nil {
			return err
		}
		return ownChange(tx, m.id, []maildir.Entry{e}, nil)
	})
	return store.UID(newUID), err == nil, err
}

// forgetScan drops the folder's recorded scan checkpoint after the store
// moved files into it (ownChange keeps it for changes the store can
// digest): the recorded signature describes the folder before, and a
// folder brought back to that state by the user must not read as
// unchanged while the index holds the store's changes. The next scan
// then compares every file with the index.
func forgetScan(tx *statedb.Tx, id statedb.NearMailboxID) error {
	nm, found, err := tx.NearMailbox(id)
	if err != nil || !found || nm.Checkpoint == "" {
		return err
	}
	nm.Checkpoint = ""
	return tx.UpdateNearMailbox(nm)
}

// bumpGeneration advances the folder's scan generation after the store's
// own removal of messages (the caller updates the checkpoint: ownChange), so a Changes from an older checkpoint looks at
// vanished UIDs again while one from the current generation can answer
// "nothing" without reading the index.
func (m *Mailbox) bumpGeneration(tx *statedb.Tx) error {
	nm, found, err := tx.NearMailbox(m.id)
	if err != nil || !found {
		return err
	}
	nm.Generation++
	if err := tx.UpdateNearMailbox(nm); err != nil {
		return err
	}
	m.gen = nm.Generation
	return nil
}

// withInode returns e with the inode number of its file (0 when the file
// cannot be stat'ed: the folder's signature then differs, which costs a
// full reconcile, never a missed change).
func withInode(f *maildir.Folder, e maildir.Entry) maildir.Entry {
	if st, err := os.Lstat(e.Path(f)); err == nil {
		e.Ino = inodeOf(st)
	}
	return e
}

// editedSince reports whether the file at path no longer has the mtime
// the index recorded for msg (rewritten in place, or saved by rename).
func editedSince(path string, msg statedb.NearMessage) bool {
	st, err := os.Lstat(path)
	return err == nil && !msg.MTime.IsZero() && !st.ModTime().Equal(msg.MTime)
}

// buryDeleted drops the index entries of messages expunged while their
// files were away, with tombstones marked deleted (see tombstone).
func buryDeleted(tx *statedb.Tx, id statedb.NearMailboxID, away []statedb.NearMessage, gen uint64) error {
	if len(away) == 0 {
		return nil
	}
	ts, err := readTombstones(tx, id)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = map[string]tombstone{}
	}
	now := time.Now().Unix()
	for _, msg := range away {
		if err := tx.DeleteNearMessage(id, msg.UID); err != nil {
			return err
		}
		ts[msg.UniqueName] = tombstone{UID: msg.UID, MTime: msg.MTime.UnixNano(), Seq: gen, Size: msg.Size, Deleted: now}
	}
	return writeTombstones(tx, id, ts)
}
