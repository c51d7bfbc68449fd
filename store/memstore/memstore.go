// Package memstore is a complete in-memory store.Store for tests of the sync
// engine and for the conformance suite (store/storetest).
//
// Every method is real: UIDs ascend from 1 per mailbox, each mailbox has its
// own UIDVALIDITY (from a store-wide counter, so a recreated mailbox gets a
// new one), modseqs advance on every change, and Changes reports new, changed
// and vanished messages from a change log kept per mailbox. Each store.Features
// flag can be switched off and then really changes behaviour, so the engine's
// fallbacks can be exercised without a server.
//
// For crash and fault tests the store counts operations, calls an OnOp hook
// before each one (FailAt arms a one-shot failure), drops unflushed appends
// on Crash, and renumbers a mailbox on ResetUIDValidity. Test helpers seed
// messages, change them "behind" the engine's back (as another client or a
// mail reader would), and take comparable Snapshots.
//
// All data crossing the interface is copied; a Store is safe for concurrent
// use.
package memstore

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/imapdir/imapdir/store"
)

// Operation names passed to the OnOp hook and counted by OpCount.
const (
	OpListMailboxes = "list-mailboxes"
	OpCreate        = "create"
	OpDelete        = "delete"
	OpRename        = "rename"
	OpOpen          = "open"
	OpList          = "list"
	OpChanges       = "changes"
	// OpFetch is one FetchBodies call; OpFetchBody is each body it delivers.
	OpFetch     = "fetch"
	OpFetchBody = "fetch-body"
	OpAppend    = "append"
	OpFlush     = "flush"
	OpFlags     = "update-flags"
	// OpExpunge is an Expunge call, and also the second step of a Move when
	// Features.Move is off (copy, then expunge: a crash may fall between).
	OpExpunge = "expunge"
	OpMove    = "move"
	OpFind    = "find"
)

// DefaultBatchSize is the List and Changes batch size when none is asked.
const DefaultBatchSize = 256

// Options configures a Store.
type Options struct {
	// Features are taken as given, except that QResync is dropped when
	// Changes is off (it is a property of Changes). Use AllFeatures for a
	// store that can do everything.
	Features store.Features
	// ReportMoves makes the store behave like a Maildir store that detects
	// files moved between folders: Changes lists moved-out UIDs in
	// ChangeSet.MovedOut and the moved message carries Message.Origin in
	// its new mailbox. Only atomic moves (Features.Move) are reported.
	ReportMoves bool
	// OnOp, when set, is called before each operation (see the Op
	// constants) without any store lock held, so it may call Crash or other
	// test helpers. A non-nil return makes the operation fail with it, as
	// a *store.Error: returned as is if it is one, else wrapped with
	// FaultScope.
	OnOp func(op, mailbox string) error
	// FaultScope grades injected errors that are not already a
	// *store.Error; zero means store.ScopeMailbox.
	FaultScope store.Scope
	// FirstUIDValidity is the UIDVALIDITY of the first mailbox (INBOX);
	// later mailboxes count up from it. Zero means 1.
	FirstUIDValidity uint32
	// Now gives the INTERNALDATE of appends without one; nil means
	// time.Now.
	Now func() time.Time
	// StoreAs, when set, turns the body an Append received into the body
	// stored: a server that keeps a message otherwise than it was sent
	// (Exchange re-encodes headers, so RFC822.SIZE differs).
	StoreAs func(body []byte) []byte
}

// AllFeatures returns every feature switched on.
func AllFeatures() store.Features {
	return store.Features{
		Changes: true, CondStore: true, QResync: true, UIDPlus: true, Move: true,
		Keywords: true, GmailLabels: true, StableIDs: true, MailboxIDs: true,
	}
}

// Store is an in-memory store.Store. Create one with New.
type Store struct {
	opts Options
	feat store.Features

	hookMu  sync.Mutex // guards the fields below it
	onOp    func(op, mailbox string) error
	failIn  int // ops until an armed failure; 0: none armed
	failErr error
	counts  map[string]int

	mu       sync.Mutex // guards everything below
	closed   bool
	open     int
	boxes    map[string]*box
	validity uint32 // last UIDVALIDITY handed out
	emailSeq uint64
	boxSeq   uint64
}

var _ store.Store = (*Store)(nil)

// New returns a store holding an empty INBOX.
func New(opts Options) *Store {
	if opts.FaultScope == 0 {
		opts.FaultScope = store.ScopeMailbox
	}
	if opts.FirstUIDValidity == 0 {
		opts.FirstUIDValidity = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	feat := opts.Features
	if !feat.Changes {
		feat.QResync = false
	}
	s := &Store{
		opts: opts, feat: feat, onOp: opts.OnOp,
		counts:   make(map[string]int),
		boxes:    make(map[string]*box),
		validity: opts.FirstUIDValidity - 1,
	}
	s.boxes[inbox] = s.newBox(inbox, "")
	return s
}

// Features reports the features the store was built with.
func (s *Store) Features() store.Features { return s.feat }

// ListMailboxes returns every mailbox sorted by name, with \HasChildren or
// \HasNoChildren (and \Noselect for placeholders) in Attrs.
func (s *Store) ListMailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	if err := s.op(ctx, OpListMailboxes, ""); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(OpListMailboxes, ""); err != nil {
		return nil, err
	}
	out := make([]store.MailboxInfo, 0, len(s.boxes))
	for _, b := range s.boxes {
		out = append(out, s.info(b))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *Store) info(b *box) store.MailboxInfo {
	mi := store.MailboxInfo{Name: b.name, SpecialUse: b.specialUse, NoSelect: b.noSelect}
	if b.noSelect {
		mi.Attrs = append(mi.Attrs, `\Noselect`)
	}
	if s.hasChildren(b.name) {
		mi.Attrs = append(mi.Attrs, `\HasChildren`)
	} else {
		mi.Attrs = append(mi.Attrs, `\HasNoChildren`)
	}
	if b.specialUse != "" {
		mi.Attrs = append(mi.Attrs, b.specialUse)
	}
	if s.feat.MailboxIDs {
		mi.ID = b.id
	}
	return mi
}

// OpenMailbox opens name. A missing mailbox, or a \Noselect placeholder,
// gives an error wrapping store.ErrMailboxNotFound.
func (s *Store) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	if err := s.op(ctx, OpOpen, name); err != nil {
		return nil, err
	}
	name, err := normName(OpOpen, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(OpOpen, name); err != nil {
		return nil, err
	}
	b := s.boxes[name]
	if b == nil || b.noSelect {
		return nil, store.Errorf(store.ScopeMailbox, false, OpOpen, name, 0, "%w", store.ErrMailboxNotFound)
	}
	s.open++
	m := &mailbox{s: s, b: b, validity: b.validity}
	m.status = s.status(b)
	return m, nil
}

// Close closes the store. It fails, naming how many, if mailboxes are still
// open (the store is closed all the same).
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.open > 0 {
		return store.Errorf(store.ScopeStore, false, "close", "", 0, "%d mailboxes still open", s.open)
	}
	return nil
}

// Reopen reopens a closed store over the same data, as a process restarted
// on persistent storage would (volatile appends survive only if Crash was
// not called: call Crash first to simulate a lost process). It returns s,
// or an error if s is still open.
func (s *Store) Reopen() (*Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		return nil, store.Errorf(store.ScopeStore, false, "reopen", "", 0, "memstore: store still open")
	}
	s.closed = false
	return s, nil
}

// usable fails once the store is closed. Call with s.mu held.
func (s *Store) usable(op, name string) error {
	if s.closed {
		return store.Errorf(store.ScopeStore, false, op, name, 0, "memstore: store closed")
	}
	return nil
}

func (s *Store) status(b *box) store.Status {
	st := store.Status{UIDValidity: b.validity, UIDNext: b.uidNext, Messages: len(b.msgs)}
	if s.feat.CondStore {
		st.HighestModSeq = b.modseq
	}
	return st
}

// export copies m's metadata for the caller, showing only what the
// features allow. Call with s.mu held.
func (s *Store) export(m *message, withMessageID bool) store.Message {
	out := store.Message{
		UID: m.uid, Flags: append(store.Flags(nil), m.flags...),
		Size: int64(len(m.body)), InternalDate: m.date,
	}
	if withMessageID {
		out.MessageID, out.HeaderHash = m.msgID, m.hdrHash
	}
	if s.feat.StableIDs {
		out.EmailID, out.ThreadID = m.emailID, m.threadID
	}
	if s.feat.GmailLabels {
		out.Labels = append([]string(nil), m.labels...)
	}
	if s.feat.CondStore {
		out.ModSeq = m.modseq
	}
	if m.origin != nil && s.opts.ReportMoves {
		o := *m.origin
		out.Origin = &o
	}
	return out
}

// keepFlags returns the canonical set of fs that the store keeps: without
// Features.Keywords, only system flags.
func (s *Store) keepFlags(fs store.Flags) store.Flags {
	fs = store.NewFlags(fs...)
	if s.feat.Keywords {
		return fs
	}
	var out []store.Flag
	for _, f := range fs {
		if f.IsSystem() {
			out = append(out, f)
		}
	}
	return store.NewFlags(out...)
}

func (s *Store) keepLabels(ls []string) []string {
	if !s.feat.GmailLabels || len(ls) == 0 {
		return nil
	}
	out := append([]string(nil), ls...)
	sort.Strings(out)
	return out
}
