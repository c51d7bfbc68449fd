package maildirstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// defaultBatch is how many messages List and Changes pass to fn at once.
const defaultBatch = 1000

// Mailbox is one open Maildir folder. It is used by one goroutine at a time;
// several handles on one folder (and moves between folders) are serialised
// by the store.
type Mailbox struct {
	s      *Store
	name   string
	folder *maildir.Folder
	lock   *sync.Mutex // the store's lock for this folder name

	id     statedb.NearMailboxID
	status store.Status
	gen    uint64 // scan generation after the last reconcile

	batch   *maildir.Batch
	pending []pendingAppend
	closed  bool
	// scanned: the folder was scanned by OpenMailbox and nothing was asked
	// of it since, so the first List/Changes/Find need not scan it again.
	scanned bool
	// uncertain: the current listing met a file it could not find; its
	// checkpoint must not move past it.
	uncertain bool
}

var _ store.Mailbox = (*Mailbox)(nil)

// OpenMailbox opens the folder of name, registers it in the state database
// (new folders get a fresh UIDVALIDITY) and scans it.
func (s *Store) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	f, err := s.opts.Layout.Open(s.opts.Root, name, maildir.WithNamer(s.namer), maildir.WithLogger(s.log))
	if err != nil {
		return nil, s.openErr("open", name, err)
	}
	m := &Mailbox{s: s, name: name, folder: f, lock: s.folderLock(name),
		batch: maildir.NewBatch(maildir.BatchOptions{SyncFS: s.opts.SyncFS})}
	m.lock.Lock()
	defer m.lock.Unlock()
	if err := m.reconcile(ctx); err != nil {
		return nil, err
	}
	m.scanned = true
	s.mu.Lock()
	s.open[name]++
	s.mu.Unlock()
	return m, nil
}

// folderLock returns the mutex serialising access to folder name.
func (s *Store) folderLock(name string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	l := s.locks[name]
	if l == nil {
		l = new(sync.Mutex)
		s.locks[name] = l
	}
	return l
}

// Name returns the mailbox's neutral name.
func (m *Mailbox) Name() string { return m.name }

// Status returns the folder's UIDVALIDITY, UIDNEXT and message count as of
// the last scan.
func (m *Mailbox) Status() store.Status { return m.status }

// Close flushes pending appends and releases the handle.
func (m *Mailbox) Close() error {
	if m.closed {
		return nil
	}
	err := m.Flush(context.Background())
	m.closed = true
	m.s.mu.Lock()
	if m.s.open[m.name]--; m.s.open[m.name] <= 0 {
		delete(m.s.open, m.name)
	}
	m.s.mu.Unlock()
	return err
}

// List streams the folder's messages in UID order. It first flushes
// pending appends and rescans the folder.
func (m *Mailbox) List(ctx context.Context, opts store.ListOptions, fn func([]store.Message) error) error {
	if err := m.refresh(ctx); err != nil {
		return err
	}
	if opts.MaxUID == 0 {
		return m.iterate(ctx, opts.MinUID, opts.BatchSize, opts.WithMessageID, nil, fn)
	}
	err := m.iterate(ctx, opts.MinUID, opts.BatchSize, opts.WithMessageID, nil, func(batch []store.Message) error {
		n := sort.Search(len(batch), func(i int) bool { return batch[i].UID > opts.MaxUID })
		if n > 0 {
			if err := fn(batch[:n:n]); err != nil {
				return err
			}
		}
		if n < len(batch) {
			return errPastMaxUID
		}
		return nil
	})
	if errors.Is(err, errPastMaxUID) {
		return nil
	}
	return err
}

// errPastMaxUID stops a listing at ListOptions.MaxUID.
var errPastMaxUID = errors.New("past the listing's highest UID")

// Changes rescans the folder and reports every message stamped with a scan
// generation after req.Since.Token (new files, flag changes, files moved in),
// the UIDs of req.Known no longer present, and which of those were moved to
// another folder.
func (m *Mailbox) Changes(ctx context.Context, req store.ChangesRequest, fn func(store.ChangeSet) error) (store.Checkpoint, error) {
	if err := m.refresh(ctx); err != nil {
		return store.Checkpoint{}, err
	}
	since, err := m.sinceGen(req.Since)
	if err != nil {
		return store.Checkpoint{}, err
	}
	if since > 0 {
		if err := m.s.pruneRecords(ctx, m.id, since); err != nil {
			return store.Checkpoint{}, m.err("changes", err)
		}
	}
	cp := store.Checkpoint{UIDValidity: m.status.UIDValidity, UIDNext: m.status.UIDNext, Token: strconv.FormatUint(m.gen, 10)}
	if req.Since.Token != "" && since == m.gen && req.Since.UIDNext == m.status.UIDNext {
		// Every scan that saw a change, and every Expunge or Move, advanced
		// the generation, and every Append advanced UIDNEXT: nothing
		// happened since the checkpoint.
		return cp, nil
	}
	changed := &changedSince{gen: since, uidNext: req.Since.UIDNext}
	m.uncertain = false
	err = m.iterate(ctx, 0, 0, req.WithMessageID, changed, func(batch []store.Message) error {
		return fn(store.ChangeSet{Changed: batch})
	})
	if err != nil {
		return store.Checkpoint{}, err
	}
	if m.uncertain {
		// A file could not be read where the scan saw it, nor found
		// again: report everything since the caller's checkpoint again
		// next time.
		cp.Token = req.Since.Token
	}
	if req.Known != nil {
		if err := m.vanished(ctx, since, req, fn); err != nil {
			return store.Checkpoint{}, err
		}
	}
	return cp, nil
}

// sinceGen validates a checkpoint and returns its scan generation; 0 asks
// for everything (a checkpoint with only UIDVALIDITY set).
func (m *Mailbox) sinceGen(cp store.Checkpoint) (uint64, error) {
	if cp.UIDValidity != m.status.UIDValidity {
		return 0, m.err("changes", fmt.Errorf("%w: UIDVALIDITY %d, checkpoint has %d",
			store.ErrCheckpointUnusable, m.status.UIDValidity, cp.UIDValidity))
	}
	if cp.Token == "" {
		return 0, nil
	}
	g, err := strconv.ParseUint(cp.Token, 10, 64)
	if err != nil || g > m.gen {
		return 0, m.err("changes", fmt.Errorf("%w: token %q is not a scan generation of this folder (now %d)",
			store.ErrCheckpointUnusable, cp.Token, m.gen))
	}
	return g, nil
}

// vanished reports the UIDs gone since generation since: when only the
// store's own Expunges removed messages since then, the UIDs they
// recorded, without reading req.Known or the index (like a QRESYNC
// server's VANISHED, this may name UIDs the caller did not know);
// otherwise by comparing req.Known with the index (reportVanished).
func (m *Mailbox) vanished(ctx context.Context, since uint64, req store.ChangesRequest, fn func(store.ChangeSet) error) error {
	if req.Since.Token != "" { // since is a generation, not "from the start"
		uids, ok, err := m.s.expungedSince(ctx, m.id, since, m.gen)
		if err != nil {
			return m.err("changes", err)
		}
		if ok {
			for len(uids) > 0 {
				n := min(len(uids), defaultBatch)
				if err := fn(store.ChangeSet{Vanished: uids[:n]}); err != nil {
					return err
				}
				uids = uids[n:]
			}
			return nil
		}
	}
	return m.reportVanished(ctx, req, fn)
}

// reportVanished passes the UIDs of req.Known that the index no longer
// holds, whatever req.Since.UIDNext (the caller may have paired UIDs a run
// that recorded no checkpoint created), with the moves the store saw.
func (m *Mailbox) reportVanished(ctx context.Context, req store.ChangesRequest, fn func(store.ChangeSet) error) error {
	moves, err := m.s.movesOut(ctx, m.id)
	if err != nil {
		return m.err("changes", err)
	}
	var cs store.ChangeSet
	flush := func() error {
		if len(cs.Vanished) == 0 {
			return nil
		}
		err := fn(cs)
		cs = store.ChangeSet{}
		return err
	}
	present, err := m.uidSet(ctx)
	if err != nil {
		return err
	}
	for uid := range req.Known {
		if present[uid] {
			continue
		}
		cs.Vanished = append(cs.Vanished, uid)
		if mv, ok := moves[uid]; ok {
			cs.MovedOut = append(cs.MovedOut, mv)
		}
		if len(cs.Vanished) == defaultBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// uidSet returns the UIDs the index holds for this folder.
func (m *Mailbox) uidSet(ctx context.Context) (map[store.UID]bool, error) {
	set := make(map[store.UID]bool, m.status.Messages)
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		uids, err := tx.NearUIDs(m.id)
		for _, u := range uids {
			set[store.UID(u)] = true
		}
		return err
	})
	if err != nil {
		return nil, m.err("changes", err)
	}
	return set, nil
}

// changedSince selects the messages stamped after scan generation gen or
// with a UID at least uidNext.
type changedSince struct {
	gen     uint64
	uidNext store.UID
}

// iterate streams the indexed messages with UID >= min that sel selects
// (all when nil), in batches, as store messages.
func (m *Mailbox) iterate(ctx context.Context, min store.UID, size int, withMsgID bool,
	sel *changedSince, fn func([]store.Message) error) error {
	if size <= 0 {
		size = defaultBatch
	}
	origins, err := m.s.originsIn(ctx, m.id)
	if err != nil {
		return m.err("list", err)
	}
	replaces, err := m.s.replacedIn(ctx, m.id)
	if err != nil {
		return m.err("list", err)
	}
	after := uint32(0)
	if min > 0 {
		after = uint32(min) - 1
	}
	for {
		page, err := m.page(ctx, after, size, sel)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].UID
		batch, err := m.messages(ctx, page, withMsgID, origins, replaces)
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
	}
}

// page reads up to size index entries after UID after that sel selects
// (all when nil); an empty page means the end. The selection is made by
// the state database: unselected entries are never read.
func (m *Mailbox) page(ctx context.Context, after uint32, size int, sel *changedSince) ([]statedb.NearMessage, error) {
	var page []statedb.NearMessage
	add := func(nm statedb.NearMessage) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		page = append(page, nm)
		if len(page) == size {
			return statedb.ErrStop
		}
		return nil
	}
	err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		if sel == nil {
			return tx.IterateNearMessages(m.id, after, add)
		}
		return tx.IterateNearChanged(m.id, after, sel.gen, uint32(sel.uidNext), add)
	})
	if err != nil {
		return nil, m.err("list", err)
	}
	return page, nil
}

// messages converts index entries to store messages. Every entry is
// listed: the index says the file exists, and only a reconcile that
// confirmed its absence may say otherwise (a listing that left out a file
// a mail reader was renaming would read as a deletion).
func (m *Mailbox) messages(ctx context.Context, page []statedb.NearMessage, withMsgID bool,
	origins map[store.UID]store.Origin, replaces map[store.UID]store.UID) ([]store.Message, error) {
	out := make([]store.Message, 0, len(page))
	var rescan map[string]maildir.Entry
	for _, nm := range page {
		msg := store.Message{UID: store.UID(nm.UID), Flags: storeFlags(nm.Flags), Size: nm.Size,
			InternalDate: nm.MTime.Truncate(time.Second)}
		if o, ok := origins[msg.UID]; ok {
			msg.Origin = &o
		}
		msg.Replaces = replaces[msg.UID]
		if withMsgID {
			err := m.readNow(ctx, nm, &rescan, func(nm statedb.NearMessage) (err error) {
				msg.MessageID, msg.HeaderHash, err = m.messageID(nm)
				return err
			})
			if err != nil {
				return nil, m.errUID("list", msg.UID, err)
			}
		}
		if m.s.headerItems() {
			var items []string
			err := m.readNow(ctx, nm, &rescan, func(nm statedb.NearMessage) error {
				kf, err := readKeywordFile(maildir.Entry{Subdir: nm.Subdir, File: nm.FileName}.Path(m.folder))
				if errors.Is(err, os.ErrNotExist) {
					return errVanished
				}
				items = kf.items
				return err
			})
			if err != nil {
				return nil, m.errUID("list", msg.UID, err)
			}
			m.s.withItems(&msg, items)
		}
		out = append(out, msg)
	}
	return out, nil
}

// readNow runs read on an indexed file. A file that is not where the
// index has it (read returns errVanished: a mail reader renamed it, or
// moved it from new/ to cur/, since the scan) is looked up by its unique
// name in a rescan of the folder (*rescan caches it; a miss rescans once
// more). A file found nowhere is left unread and the listing is marked
// uncertain: Changes then keeps the caller's checkpoint where it was, so
// the next run looks at it again.
func (m *Mailbox) readNow(ctx context.Context, nm statedb.NearMessage, rescan *map[string]maildir.Entry, read func(statedb.NearMessage) error) error {
	err := read(nm)
	if !errors.Is(err, errVanished) {
		return err
	}
	for try := 0; try < 2; try++ {
		e, ok := (*rescan)[nm.UniqueName]
		if !ok || try > 0 {
			files, err := m.scanFolder(ctx)
			if err != nil {
				return err
			}
			*rescan = files
			if e, ok = files[nm.UniqueName]; !ok {
				break
			}
		}
		nm.Subdir, nm.FileName = e.Subdir, e.File
		if err := read(nm); !errors.Is(err, errVanished) {
			return err
		}
	}
	m.uncertain = true
	return nil
}

func (m *Mailbox) err(op string, err error) error {
	return &store.Error{Scope: store.ScopeMailbox, Op: op, Mailbox: m.name, Err: err}
}

func (m *Mailbox) errUID(op string, uid store.UID, err error) error {
	return &store.Error{Scope: store.ScopeMessage, Op: op, Mailbox: m.name, UID: uid, Err: err}
}
