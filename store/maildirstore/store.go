// Package maildirstore is a store.Store over a tree of Maildir folders.
//
// A Maildir has no UIDs, so this store assigns its own, per folder, and keeps
// them — with each folder's UIDVALIDITY and UIDNEXT — in the account's state
// database (statedb's near index), never in file names: mu4e, notmuch and
// mutt rename files freely and the UIDs must survive that. A file is known by
// its unique name (the part of the file name before ',' or ':'), which mail
// readers keep when they change flags and when they move a file to another
// folder; that is how a move is told from a deletion plus a new message.
//
// Bodies cross the store interface in wire form (CRLF); on disk they are
// stored with LF, as Dovecot, mbsync and the mail readers expect. Sizes are
// wire sizes, so they compare with IMAP's RFC822.SIZE.
//
// Durability: Append writes into tmp/ and returns the UID the message will
// have; Flush makes the whole batch durable (data, renames, directories) and
// only then records the new UIDs in the database. A crash before Flush leaves
// each message either complete in cur/ or new/ (found by the next scan, as a
// new message) or absent, never partial.
//
// Change tracking: each scan compares the folder with the index; every
// message whose flags changed since the last scan is stamped with a new scan
// generation. Changes reports everything stamped after the caller's
// checkpoint, so changes seen by a run that crashed before it recorded its
// checkpoint are reported again.
package maildirstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// KeywordMode says where a message's keywords are kept.
type KeywordMode int

const (
	// KeywordsDovecot keeps keywords as Dovecot does: letters a–z in the
	// info suffix, named by the folder's dovecot-keywords file (at most 26
	// per folder).
	KeywordsDovecot KeywordMode = iota
	// KeywordsNone drops keywords; Features.Keywords is then false.
	KeywordsNone
	// KeywordsHeader keeps keywords in each file's X-Keywords field
	// (comma-separated, as mu and notmuch-based taggers read it; see
	// xkeywords.go). It cannot be combined with Options.Labels.
	KeywordsHeader
)

// Options configures a Store.
type Options struct {
	// Root is the directory holding the folders.
	Root string
	// Layout maps mailbox names to folders (default maildir.LayoutFS).
	Layout maildir.Layout
	// DB is the account's state database; the store keeps its UIDs there.
	DB *statedb.DB
	// Keywords says where keywords live (default KeywordsDovecot).
	Keywords KeywordMode
	// Labels keeps each message's labels (Gmail's) in its file's
	// X-Keywords field and claims Features.GmailLabels; keywords then live
	// per Keywords, which may not be KeywordsHeader.
	Labels bool
	// NewForUnseen delivers messages without \Seen into new/ (mail readers
	// show them as new) instead of cur/, whatever their other flags (kept
	// in the file name's info).
	NewForUnseen bool
	// SyncFS flushes appended data with one syncfs(2) per Flush instead of
	// one fsync per file.
	SyncFS bool
	// Logger receives notes about odd files; nil discards them.
	Logger *slog.Logger
	// DryRun leaves the Maildir tree untouched: scans index what they see
	// (DB should then be a scratch copy) without the renames and removals
	// a scan otherwise makes (see dryView), and New creates no root.
	DryRun bool
}

// Store is a store.Store over Maildir folders. It is safe for concurrent
// use; each Mailbox is used by one goroutine at a time.
type Store struct {
	opts  Options
	namer *maildir.Namer
	log   *slog.Logger

	mu    sync.Mutex
	open  map[string]int         // open handles by folder name
	locks map[string]*sync.Mutex // one per folder name, see folderLock
	// skipped are the folders with mail the latest listing left out.
	skipped []store.SkippedMailbox
	// warned holds the folders whose full keyword table was reported.
	warned map[string]bool
	// scanFilter, set by tests only, edits what a scan of a folder saw
	// (a file a racing rename hid from the directory listing).
	scanFilter func(mailbox string, entries []maildir.Entry) []maildir.Entry
	// dry is what a DryRun store's scans left undone on disk.
	dry dryView
}

var _ store.Store = (*Store)(nil)

// New returns a store over opts.Root, creating the root directory if it is
// missing.
func New(opts Options) (*Store, error) {
	if opts.DB == nil {
		return nil, errors.New("maildirstore: no state database")
	}
	if opts.Labels && opts.Keywords == KeywordsHeader {
		return nil, errors.New("maildirstore: labels and keywords cannot both live in X-Keywords")
	}
	if opts.Layout == 0 {
		opts.Layout = maildir.LayoutFS
	}
	if opts.DryRun {
		// Nothing is created; a missing root lists no folder.
	} else if err := os.MkdirAll(opts.Root, 0o700); err != nil {
		return nil, fmt.Errorf("maildirstore: create root: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{opts: opts, namer: maildir.NewNamer(), log: log, open: map[string]int{}}, nil
}

// Features reports what a Maildir store can do: its own bookkeeping tells
// changes (with vanished UIDs only when given Known), UIDs are known at once,
// moves are renames, keywords per Options.Keywords, labels per
// Options.Labels.
func (s *Store) Features() store.Features {
	return store.Features{
		Changes:     true,
		UIDPlus:     true,
		Move:        true,
		Keywords:    s.opts.Keywords == KeywordsDovecot || s.opts.Keywords == KeywordsHeader,
		GmailLabels: s.opts.Labels,
	}
}

// ListMailboxes lists the folders under the root. Folders whose directory
// name the layout would not produce are left out; those holding mail are
// reported by SkippedMailboxes.
func (s *Store) ListMailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	l, err := s.opts.Layout.List(ctx, s.opts.Root)
	if err != nil && s.opts.DryRun && errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(s.opts.Root); errors.Is(serr, os.ErrNotExist) {
			return nil, nil // the root a real run would create: no folder yet
		}
	}
	if err != nil {
		return nil, s.storeErr("list", "", err)
	}
	skipped := s.unmappedWithMail(l.Unmapped)
	s.mu.Lock()
	s.skipped = skipped
	s.mu.Unlock()
	if err := s.followRenames(ctx, l.Names); err != nil {
		return nil, s.storeErr("list", "", err)
	}
	out := make([]store.MailboxInfo, 0, len(l.Names))
	have := make(map[string]bool, len(l.Names))
	for _, name := range l.Names {
		have[name] = true
	}
	for _, name := range l.Names {
		out = append(out, store.MailboxInfo{Name: name})
		// A parent that is no folder itself ("Archive" of "Archive/2024")
		// is listed as IMAP lists it: \Noselect.
		for i := strings.LastIndexByte(name, '/'); i > 0; i = strings.LastIndexByte(name[:i], '/') {
			if parent := name[:i]; !have[parent] {
				have[parent] = true
				out = append(out, store.MailboxInfo{Name: parent, NoSelect: true, Attrs: []string{`\Noselect`}})
			}
		}
	}
	return out, nil
}

// CreateMailbox creates the folder of name. specialUse is not kept: a
// Maildir has no place for it.
func (s *Store) CreateMailbox(ctx context.Context, name, specialUse string) error {
	dir, err := s.opts.Layout.Path(s.opts.Root, name)
	if err != nil {
		return s.mailboxErr("create", name, err)
	}
	if maildir.Validate(dir) == nil {
		return s.mailboxErr("create", name, store.ErrMailboxExists)
	}
	if _, err := s.opts.Layout.Create(s.opts.Root, name); err != nil {
		return s.mailboxErr("create", name, err)
	}
	return nil
}

// DeleteMailbox removes the folder of name if it holds no message: its
// tmp/, new/ and cur/ directories, the dovecot-keywords and maildirfolder
// files, and the directory itself when nothing else (a child folder) is in it.
func (s *Store) DeleteMailbox(ctx context.Context, name string) error {
	f, err := s.opts.Layout.Open(s.opts.Root, name)
	if err != nil {
		return s.openErr("delete", name, err)
	}
	entries, err := f.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return s.mailboxErr("delete", name, err)
	}
	if len(entries) > 0 {
		return s.mailboxErr("delete", name, fmt.Errorf("%w: %d messages", store.ErrMailboxNotEmpty, len(entries)))
	}
	if err := removeFolder(f.Path(), name == "INBOX" && s.opts.Layout.InboxIsRoot()); err != nil {
		return s.mailboxErr("delete", name, err)
	}
	err = s.opts.DB.Update(ctx, func(tx *statedb.Tx) error {
		nm, found, err := tx.NearMailboxByName(name)
		if err != nil || !found {
			return err
		}
		return tx.DeleteNearMailbox(nm.ID)
	})
	if err != nil {
		return s.mailboxErr("delete", name, err)
	}
	return nil
}

// removeFolder removes a folder's own files and subdirectories (tmp/ may
// still hold stray files; they are garbage by definition) and, unless
// keepDir, the directory if it is then empty.
func removeFolder(dir string, keepDir bool) error {
	if err := os.RemoveAll(filepath.Join(dir, maildir.SubTmp)); err != nil {
		return err
	}
	for _, name := range []string{maildir.SubNew, maildir.SubCur, maildir.KeywordsFile, maildir.MaildirFolderFile, "dovecot-uidlist"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if keepDir {
		return nil
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

// Close releases the store. Open mailboxes must be closed first.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.open) > 0 {
		return fmt.Errorf("maildirstore: close with %d mailboxes open", len(s.open))
	}
	return nil
}

func (s *Store) storeErr(op, mailbox string, err error) error {
	return &store.Error{Scope: store.ScopeStore, Op: op, Mailbox: mailbox, Err: err}
}

func (s *Store) mailboxErr(op, mailbox string, err error) error {
	return &store.Error{Scope: store.ScopeMailbox, Op: op, Mailbox: mailbox, Err: err}
}

// openErr maps a folder that is not there to ErrMailboxNotFound.
func (s *Store) openErr(op, mailbox string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, maildir.ErrNotMaildir) {
		err = fmt.Errorf("%w: %w", store.ErrMailboxNotFound, err)
	}
	return s.mailboxErr(op, mailbox, err)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
