package imapstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// Defaults of Options.
const (
	DefaultConnections = 4
	DefaultListChunk   = 10000   // UIDs per UID FETCH of List (first chunk)
	DefaultFetchWindow = 4 << 20 // body bytes per FetchBodies command
	DefaultBatchSize   = 1000    // messages per List/Changes callback
)

// Options configure New.
type Options struct {
	// Dial returns a new connection, connected and logged in (the caller
	// owns TLS, authentication and client options such as traces). It is
	// called lazily, whenever a connection is needed and fewer than
	// Connections exist. Required.
	Dial func(ctx context.Context) (*imapclient.Client, error)
	// ListAtOpen makes New send, with its probe, the LIST the first
	// ListMailboxes needs (servers with LIST-STATUS), and keep the answer
	// for a ListMailboxes that comes within 5 s and before any other
	// operation: one round trip less for a caller that lists right after
	// New, as one run of a command does. A caller that changes the server
	// by other means between New and its first listing must leave it off.
	ListAtOpen bool
	// Connections caps the connections the store holds at once (each open
	// Mailbox holds one; store-level operations borrow a free one).
	// Default 4; Gmail allows 15 per account.
	Connections int
	// Logger receives warnings and debug notes; nil discards them.
	Logger *slog.Logger
	// DisableCaps lists capabilities to ignore even when the server offers
	// them: to work around a server's broken extension, or to exercise a
	// fallback path (e.g. imap.CapQResync to use CONDSTORE alone, as on
	// Gmail).
	DisableCaps []imap.Cap
	// ListChunk is the UID range of List's first UID FETCH; later chunks
	// grow when the mailbox is sparse. Default DefaultListChunk.
	ListChunk int
	// FetchWindow is the size in bytes of the body batches FetchBodies asks
	// for in one command (the next batch is fetched while the caller
	// consumes the current one). Default DefaultFetchWindow.
	FetchWindow int64
	// SpoolDir holds temporary files: messages appended with an unknown
	// size, fetched bodies larger than a quarter of FetchWindow. Default
	// os.TempDir().
	SpoolDir string
	// MaxMessageSize bounds a fetched body whatever the server announces
	// (a body is also refused when it exceeds twice its listed size plus
	// 1 MiB). Default DefaultMaxMessageSize.
	MaxMessageSize int64
}

// Store is a store.Store over IMAP connections. See the package
// documentation for how each operation maps to IMAP.
type Store struct {
	opts  Options
	log   *slog.Logger
	pool  *pool
	caps  caps
	names names
	// beforeDelete, set by tests only, runs between DeleteMailbox's check
	// and its deletion (to deliver mail in that window).
	beforeDelete func()

	skipped skippedList // mailboxes the latest ListMailboxes left out
	// listed is the state of each mailbox as the last ListMailboxes saw it.
	listed statusCache
	// prefetch is the LIST New sent for the first ListMailboxes.
	prefetch prefetched
	// noKeywords is set once a SELECT showed PERMANENTFLAGS without `\*`
	// (RFC 9051 §7.1): from then on Features().Keywords is false.
	noKeywords atomic.Bool
}

var _ store.Store = (*Store)(nil)

// New connects once (to learn the server's capabilities, namespace and
// delimiter) and returns the store; that
// connection stays in the pool. Features are fixed from then on. Errors are
// graded ScopeStore (or ScopeCanceled).
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dial == nil {
		return nil, store.Errorf(store.ScopeStore, false, "open", "", 0, "imapstore: Options.Dial is required")
	}
	opts = withDefaults(opts)
	s := &Store{opts: opts, log: opts.Logger}
	if n := cleanSpool(opts.SpoolDir, time.Now()); n > 0 {
		s.log.Info("imapstore: removed spool files left by processes that are gone", "count", n, "dir", opts.SpoolDir)
	}
	s.pool = newPool(opts.Connections, opts.Dial, s.log)
	s.pool.setup = s.setupConn
	cn, err := s.pool.get(ctx)
	if err != nil {
		s.pool.close()
		return nil, s.gradeGet("open", "", err)
	}
	err = s.probe(ctx, cn)
	s.pool.put(cn)
	if err != nil {
		s.pool.close()
		if ctx.Err() != nil {
			return nil, store.Errorf(store.ScopeCanceled, false, "open", "", 0, "%w", err)
		}
		return nil, store.Errorf(store.ScopeStore, brokenConn(err), "open", "", 0, "imapstore: probing the server: %w", err)
	}
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Connections <= 0 {
		o.Connections = DefaultConnections
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ListChunk <= 0 {
		o.ListChunk = DefaultListChunk
	}
	if o.FetchWindow <= 0 {
		o.FetchWindow = DefaultFetchWindow
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.SpoolDir == "" {
		o.SpoolDir = os.TempDir()
	}
	return o
}

// setupConn prepares a new connection: ENABLE QRESYNC once per connection
// when the store uses it (RFC 7162 §3.2.3).
func (s *Store) setupConn(ctx context.Context, cn *conn) error {
	if s.caps.qresync {
		return enableQResync(ctx, cn.c)
	}
	return nil
}

// probe reads the capabilities and the personal namespace (RFC 2342) or
// the delimiter (LIST "" "", RFC 9051 §6.3.9). It selects no mailbox:
// whether keywords are kept is learned from the SELECTs that work needs
// (see Features).
//
// ENABLE, NAMESPACE and the first ListMailboxes' LIST (prefetchList) are
// pipelined: one round trip for the three.
func (s *Store) probe(ctx context.Context, cn *conn) error {
	s.caps = capsOf(cn.c.Caps(), s.opts.DisableCaps)
	enabled := make(chan error, 1)
	go func() { enabled <- s.setupConn(ctx, cn) }()
	listed := make(chan struct{})
	go func() { defer close(listed); s.prefetchList(ctx, cn) }()
	errNames := s.probeNames(ctx, cn)
	<-listed
	return errors.Join(<-enabled, errNames)
}

// probeNames learns the personal prefix and the delimiter.
func (s *Store) probeNames(ctx context.Context, cn *conn) error {
	if cn.c.Caps().Has(imap.CapNamespace) {
		ns, err := cn.c.Namespace(ctx)
		if err != nil {
			return fmt.Errorf("NAMESPACE: %w", err)
		}
		if len(ns.Personal) > 0 {
			s.names.prefix, s.names.delim = ns.Personal[0].Prefix, ns.Personal[0].Delim
		}
		for _, n := range append(ns.Other, ns.Shared...) {
			s.names.others = append(s.names.others, n.Prefix)
		}
		if len(ns.Personal) > 0 && (s.names.delim != 0 || s.names.prefix != "") {
			return nil
		}
	}
	res, err := cn.c.List(ctx, "", "", nil)
	if err != nil {
		return fmt.Errorf(`LIST "" "": %w`, err)
	}
	if len(res.Mailboxes) > 0 {
		s.names.delim = res.Mailboxes[0].Delim
	}
	return nil
}

// leave leaves the selected mailbox without expunging: UNSELECT (RFC 3691)
// where offered, else CLOSE, which expunges nothing after EXAMINE, or else
// (a read-write mailbox) an EXAMINE of it first so that CLOSE expunges
// nothing (RFC 9051 §6.4.1).
func (s *Store) leave(ctx context.Context, cn *conn) error {
	name, readOnly := cn.c.Mailbox()
	if name == "" {
		return nil
	}
	if s.caps.unselect {
		return cn.c.Unselect(ctx)
	}
	if !readOnly {
		if _, err := cn.c.Select(ctx, name, &imapclient.SelectOptions{ReadOnly: true}); err != nil {
			return err
		}
	}
	return cn.c.CloseMailbox(ctx)
}

// Features reports what the server offers (see caps.features). Keywords
// is true until a read-write SELECT of some mailbox shows PERMANENTFLAGS
// without `\*`, and false from then on: a mailbox whose flags were listed
// has been SELECTed, so a caller that reads Features after listing never
// takes a keyword the server drops for one it removed.
func (s *Store) Features() store.Features {
	f := s.caps.features()
	f.Keywords = !s.noKeywords.Load()
	return f
}

// Close logs out of the idle connections. Open mailboxes must be closed
// first; a connection still held is closed when its Mailbox is.
func (s *Store) Close() error {
	s.pool.close()
	return nil
}

// withConn runs fn on a free connection, grading its error.
func (s *Store) withConn(ctx context.Context, op, mailbox string, fn func(cn *conn) error) error {
	if err := canceled(ctx, op, mailbox); err != nil {
		return err
	}
	cn, err := s.pool.get(ctx)
	if err != nil {
		return s.gradeGet(op, mailbox, err)
	}
	defer s.pool.put(cn)
	return grade(op, mailbox, 0, cn.fail(fn(cn)))
}

// gradeGet grades a failure to get a connection.
func (s *Store) gradeGet(op, mailbox string, err error) error {
	if errors.Is(err, errStoreClosed) {
		return store.Errorf(store.ScopeStore, false, op, mailbox, 0, "%w", err)
	}
	var se *store.Error
	if errors.As(err, &se) {
		return &store.Error{Scope: se.Scope, Retryable: se.Retryable, Op: op, Mailbox: mailbox, Err: se.Err}
	}
	return grade(op, mailbox, 0, err)
}

// closeTimeout bounds the UNSELECT of Mailbox.Close and the LOGOUT of
// Store.Close, which have no context.
const closeTimeout = 10 * time.Second

// caps is what the store uses of a server's capabilities, decided once
// when the store is opened (the first connection's capabilities after
// login) and fixed for the store's life, as store.Features must be.
type caps struct {
	condStore  bool // RFC 7162 §3.1
	qresync    bool // RFC 7162 §3.2 (implies condStore)
	uidPlus    bool // RFC 4315
	move       bool // RFC 6851
	esearch    bool // RFC 4731
	gmail      bool // X-GM-EXT-1
	objectID   bool // RFC 8474
	specialUse bool // RFC 6154
	listExt    bool // RFC 5258
	listStatus bool // RFC 5819
	unselect   bool // RFC 3691
	enable     bool // RFC 5161
	literal    bool // LITERAL+ or LITERAL- (RFC 7888): APPEND needs no round trip
	binary     bool // RFC 3516: APPEND takes a literal8, which may hold NUL
}

// capsOf reads the capability set, ignoring those in disabled (tests and
// servers whose extension is broken).
func capsOf(set imap.CapSet, disabled []imap.Cap) caps {
	off := imap.NewCapSet(disabled...)
	has := func(c imap.Cap) bool { return set.Has(c) && !off.Has(c) }
	c := caps{
		condStore:  has(imap.CapCondStore) || has(imap.CapQResync),
		uidPlus:    has(imap.CapUIDPlus),
		move:       has(imap.CapMove),
		esearch:    has(imap.CapESearch),
		gmail:      has(imap.CapGmailExt),
		objectID:   has(imap.CapObjectID),
		specialUse: has(imap.CapSpecialUse),
		listExt:    has(imap.CapListExtended),
		listStatus: has(imap.CapListStatus),
		unselect:   has(imap.CapUnselect),
		enable:     has(imap.CapEnable),
		literal:    has(imap.CapLiteralPlus) || has(imap.CapLiteralMinus),
		binary:     has(imap.CapBinary),
	}
	// QRESYNC needs ENABLE (RFC 7162 §3.2.3) and implies CONDSTORE.
	c.qresync = has(imap.CapQResync) && c.enable
	if off.Has(imap.CapCondStore) {
		c.condStore, c.qresync = false, false
	}
	return c
}

// features maps the capabilities to what the engine may rely on.
//
//   - Changes needs CONDSTORE: CHANGEDSINCE finds changed flags in O(changes)
//     (RFC 7162 §3.1.4.1); vanished UIDs come from QRESYNC's VANISHED
//     (§3.2.6) or, with CONDSTORE only (Gmail), from comparing the caller's
//     known UIDs with a UID SEARCH ALL.
//   - UIDPlus: APPENDUID and COPYUID give the new UIDs (RFC 4315 §3).
//   - Move: UID MOVE is atomic (RFC 6851 §3); else COPY + STORE + EXPUNGE.
//   - Gmail's X-GM-EXT-1 gives labels (X-GM-LABELS) and stable message ids
//     (X-GM-MSGID); OBJECTID gives EMAILID and MAILBOXID (RFC 8474).
func (c caps) features() store.Features {
	return store.Features{
		Changes:     c.condStore,
		CondStore:   c.condStore,
		QResync:     c.qresync,
		UIDPlus:     c.uidPlus,
		Move:        c.move,
		GmailLabels: c.gmail,
		StableIDs:   c.gmail || c.objectID,
		MailboxIDs:  c.objectID && c.listStatus,
	}
}

// keywordsAllowed tells from a SELECT/EXAMINE whether arbitrary keywords
// are kept: PERMANENTFLAGS holds `\*`. Without a PERMANENTFLAGS code the
// client is to assume that all flags can be changed permanently
// (RFC 3501 §7.1).
func keywordsAllowed(sel *imap.SelectData) bool {
	if !sel.HasPermanentFlags {
		return true
	}
	return imap.HasFlag(sel.PermanentFlags, imap.Flag(`\*`))
}
