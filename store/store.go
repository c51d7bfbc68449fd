package store

import (
	"context"
	"io"
	"iter"
	"time"
)

// UID identifies a message within one mailbox for as long as the mailbox's
// UIDVALIDITY stays the same (RFC 9051 §2.3.1.1). Zero means "unknown".
type UID uint32

// ModSeq is a CONDSTORE modification sequence (RFC 7162 §3.1.1); zero means
// the store keeps none.
type ModSeq uint64

// Store is one side of a synchronization: a set of mailboxes.
//
// A Store is safe for concurrent use by several goroutines. A Mailbox it
// opens is used by one goroutine at a time. OpenMailbox may block until a
// resource (an IMAP connection under the account's cap) is free; it gives up
// when ctx ends.
type Store interface {
	// Features reports what the store can do. It does not change while the
	// store is open, except Keywords (see Features.Keywords).
	Features() Features
	// ListMailboxes returns every mailbox, including \Noselect ones.
	ListMailboxes(ctx context.Context) ([]MailboxInfo, error)
	// CreateMailbox creates name (and missing parents). specialUse, when not
	// empty (`\Sent`, `\Trash` …), is requested where the store supports it.
	// An existing mailbox gives an error wrapping ErrMailboxExists.
	CreateMailbox(ctx context.Context, name, specialUse string) error
	// DeleteMailbox removes name. It fails with an error wrapping
	// ErrMailboxNotEmpty unless the mailbox holds no messages: the engine
	// only ever propagates the deletion of an empty mailbox.
	DeleteMailbox(ctx context.Context, name string) error
	// RenameMailbox renames old (and its children) to new, keeping
	// messages, their UIDs and UIDVALIDITY where the store can.
	// DeleteMailbox and RenameMailbox of a missing mailbox wrap
	// ErrMailboxNotFound; renaming onto an existing one wraps
	// ErrMailboxExists.
	RenameMailbox(ctx context.Context, old, new string) error
	// OpenMailbox opens name for reading and writing. A missing mailbox gives
	// an error wrapping ErrMailboxNotFound.
	OpenMailbox(ctx context.Context, name string) (Mailbox, error)
	// Close releases connections and files. Open mailboxes must be closed
	// first.
	Close() error
}

// Mailbox is one open mailbox. Bodies cross this interface in wire form:
// RFC 5322 with CRLF line endings (stores that keep LF convert while
// streaming), and sizes are wire sizes, as IMAP's RFC822.SIZE.
type Mailbox interface {
	// Name returns the mailbox's neutral name.
	Name() string
	// Status returns UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and the message
	// count as of opening or the last listing (not refreshed by this
	// handle's own Append).
	Status() Status
	// List streams the metadata of the mailbox's messages in ascending UID
	// order, in batches of at most opts.BatchSize, to fn. The slice passed
	// to fn is only valid during the call. Memory stays bounded by the batch
	// size, whatever the mailbox's size.
	List(ctx context.Context, opts ListOptions, fn func([]Message) error) error
	// Changes streams what changed since req.Since: new messages, messages
	// whose flags (or labels) changed, and UIDs that vanished. It returns the
	// checkpoint to record once the caller has applied everything. A store
	// that cannot tell (no Features.Changes, UIDVALIDITY changed, checkpoint
	// too old) returns an error wrapping ErrCheckpointUnusable and the caller
	// falls back to List.
	//
	// A Since with only UIDValidity set asks for everything: every message is
	// in Changed and no UID is vanished; this is how a caller gets its first
	// checkpoint. Changed may hold messages that did not change (a store may
	// over-report; the caller compares with what it knows), never miss one.
	// Vanished holds every UID of req.Known no longer in the mailbox (a
	// store with QResync may report vanished UIDs without Known), whatever
	// Since.UIDNext: the caller may know UIDs at or above it, paired by a
	// run that recorded no checkpoint. fn may not be called at all when
	// nothing changed.
	Changes(ctx context.Context, req ChangesRequest, fn func(ChangeSet) error) (Checkpoint, error)
	// FetchBodies streams the bodies of uids to fn, one message at a time,
	// in the order given; the store may pipeline. fn's Message holds at
	// least the UID and the wire size. The reader is valid only during the
	// call and need not be read to the end; it may be the network
	// connection itself, so fn must not call this Mailbox. UIDs no longer
	// in the mailbox are skipped: fn is not called for them.
	FetchBodies(ctx context.Context, uids []UID, fn func(Message, io.Reader) error) error
	// Append adds a message and returns its UID, or 0 when the store cannot
	// tell (IMAP without UIDPLUS); the caller then uses Find. The message is
	// only guaranteed durable after Flush returns. A crash before may lose
	// it, but then the store's UIDNEXT (after reopening) does not pass its
	// UID: a UID below UIDNEXT was durable once, so a caller that noted it
	// and finds it gone knows the message was deleted or moved since.
	Append(ctx context.Context, m NewMessage) (UID, error)
	// Flush makes every Append since the last Flush durable (batched fsync
	// on Maildir; a no-op where the server's OK already means durable).
	Flush(ctx context.Context) error
	// UpdateFlags adds and removes flags on the given messages. With
	// ch.UnchangedSince set and Features.CondStore, the change applies only
	// to messages whose modseq is not greater (RFC 7162 §3.1.3); the UIDs
	// refused for that reason are returned as conflicts, not as an error.
	// Without Features.CondStore a non-zero UnchangedSince fails with an
	// error wrapping ErrUnsupported. Labels change only with
	// Features.GmailLabels (else ErrUnsupported when any is given).
	UpdateFlags(ctx context.Context, ch FlagChange) (conflicts []UID, err error)
	// Expunge permanently removes the given messages (and no others: on
	// IMAP, UID EXPUNGE where offered).
	Expunge(ctx context.Context, uids []UID) error
	// Move moves the given messages to mailbox dest (same store) and returns
	// their new UIDs where known (missing keys: unknown).
	Move(ctx context.Context, uids []UID, dest string) (map[UID]UID, error)
	// Find returns the messages matching q, in ascending UID order, to locate a message whose Append
	// gave no UID or whose propagation a crash interrupted.
	Find(ctx context.Context, q Query) ([]Message, error)
	// Close releases the mailbox (and its connection, on IMAP).
	Close() error
}

// MailboxInfo describes one mailbox of a Store.
type MailboxInfo struct {
	// Name is neutral: UTF-8, "/" between hierarchy levels, "INBOX" for the
	// inbox.
	Name string
	// SpecialUse is the RFC 6154 attribute (`\Sent`, `\Trash`, `\Drafts`,
	// `\Junk`, `\Archive`, `\All`, `\Flagged`) or empty.
	SpecialUse string
	// NoSelect is set for names that exist only as parents.
	NoSelect bool
	// Attrs holds the store's raw attributes (IMAP LIST attributes).
	Attrs []string
	// ID is a stable mailbox identity that survives renames (RFC 8474
	// MAILBOXID, or the store's own), empty when unknown.
	ID string
}

// Status is a mailbox's identity and counters.
type Status struct {
	UIDValidity   uint32
	UIDNext       UID
	HighestModSeq ModSeq // 0 when the mailbox keeps no modseqs
	Messages      int
}

// Message is a message's metadata as a store lists it.
type Message struct {
	UID          UID
	Flags        Flags
	Size         int64 // wire (CRLF) size in bytes
	InternalDate time.Time
	// MessageID is the Message-ID header value normalised by
	// NormalizeMessageID (without angle brackets), if asked for and
	// present.
	MessageID string
	// HeaderHash is the hash of the header block (mailmsg.HeaderHash) of
	// a message without a usable Message-ID, when asked for with
	// WithMessageID; "" otherwise. See Identity.
	HeaderHash string
	// EmailID is a stable, store-wide message identity (RFC 8474 EMAILID,
	// Gmail X-GM-MSGID) when Features.StableIDs; else empty.
	EmailID  string
	ThreadID string
	// Labels are the message's labels when Features.GmailLabels: Gmail's
	// X-GM-LABELS, or a Maildir file's X-Keywords field. User labels in
	// UTF-8, Gmail's system labels by their readable names (Inbox, Sent,
	// Important, Trash, Spam); \Starred and \Draft are not labels here
	// but the \Flagged and \Draft flags, as Gmail shows them.
	Labels []string
	// ModSeq is the message's modseq when Features.CondStore.
	ModSeq ModSeq
	// Origin is set when the store knows this message arrived by a move from
	// another of its mailboxes (a Maildir file moved by a mail reader).
	Origin *Origin
	// Replaces is set when the store knows this message is the new
	// content of message Replaces of the same mailbox, changed in place
	// (a Maildir file edited under its name): Replaces vanishes in the
	// same listing. Though both may share one Identity, the two are
	// different messages: the new one is copied and the old one deleted,
	// never taken for one message renumbered.
	Replaces UID
}

// Origin names where a moved message was before.
type Origin struct {
	Mailbox string
	UID     UID
}

// ListOptions selects what List returns.
type ListOptions struct {
	// MinUID, when not zero, lists only messages with UID >= MinUID.
	MinUID UID
	// MaxUID, when not zero, lists only messages with UID <= MaxUID (a
	// caller listing a large mailbox in bounded UID windows).
	MaxUID UID
	// WithMessageID asks for Message.MessageID, and Message.HeaderHash
	// for messages without one (costs a header fetch on IMAP).
	WithMessageID bool
	// BatchSize caps the messages per call of fn; 0 means the store's
	// default.
	BatchSize int
}

// Checkpoint is what a store needs to tell changes since a point in time.
type Checkpoint struct {
	UIDValidity   uint32
	UIDNext       UID
	HighestModSeq ModSeq
	// Token is store-private state (e.g. a Maildir scan generation).
	Token string
}

// ChangesRequest asks a mailbox what changed since a checkpoint.
type ChangesRequest struct {
	Since Checkpoint
	// Known yields, in ascending order, the UIDs the caller believes exist.
	// A store that cannot report vanished UIDs by itself (CONDSTORE without
	// QRESYNC) compares them with the UIDs present now.
	Known iter.Seq[UID]
	// WithMessageID as in ListOptions, for new messages.
	WithMessageID bool
}

// ChangeSet is one batch of changes.
type ChangeSet struct {
	// Changed holds new messages and messages whose flags or labels
	// changed, with their current metadata.
	Changed []Message
	// Vanished holds UIDs that are gone (expunged or moved out).
	Vanished []UID
	// MovedOut describes those vanished UIDs that the store knows were moved
	// to another of its mailboxes.
	MovedOut []Move
}

// Move says that the message UID of this mailbox is now DestUID in Dest.
type Move struct {
	UID     UID
	Dest    string
	DestUID UID
}

// NewMessage is a message to append.
type NewMessage struct {
	Flags        Flags
	InternalDate time.Time
	// Size is the body's wire size, or -1 when unknown (the store may then
	// have to buffer the message to disk).
	Size int64
	// Body yields the message in wire form (CRLF).
	Body io.Reader
	// MessageID, when known, lets stores without UIDPLUS find the new UID.
	MessageID string
	// Labels are Gmail labels to set, when Features.GmailLabels.
	Labels []string
}

// FlagChange adds and removes flags on some messages.
type FlagChange struct {
	UIDs           []UID
	Add, Remove    Flags
	UnchangedSince ModSeq
	// AddLabels and RemoveLabels change Gmail labels (X-GM-LABELS), with
	// Features.GmailLabels only.
	AddLabels, RemoveLabels []string
}

// Query finds messages for recovery. Zero fields match anything; at least
// one of MessageID or Size must be set.
type Query struct {
	MessageID string
	Size      int64
	// MinUID restricts the search to UIDs >= MinUID.
	MinUID UID
	// InternalDate, when not zero, must match to the second.
	InternalDate time.Time
}

// Features says what a store can do. A store never claims what it does
// not honour.
type Features struct {
	// Changes: Mailbox.Changes works (by QRESYNC, CONDSTORE or the store's
	// own bookkeeping).
	Changes bool
	// CondStore: per-message modseqs and conditional flag updates.
	CondStore bool
	// QResync: Changes reports vanished UIDs without being given Known.
	QResync bool
	// UIDPlus: Append returns the new UID; Move returns the new UIDs.
	UIDPlus bool
	// Move: Move is atomic (not copy + expunge).
	Move bool
	// Keywords: arbitrary keywords are kept. The one feature a store may
	// turn off while open, once it learns so (IMAP: from a SELECT's
	// PERMANENTFLAGS), never on again: read it after listing.
	Keywords bool
	// GmailLabels: Message.Labels and NewMessage.Labels work.
	GmailLabels bool
	// StableIDs: Message.EmailID is filled.
	StableIDs bool
	// MailboxIDs: MailboxInfo.ID is filled.
	MailboxIDs bool
}

// Linker is implemented by a Mailbox that can add a message as another
// name of a message it already holds in another mailbox of its store,
// without its body (a hard link between Maildir folders, a copy of the
// file where links are impossible). The engine uses it for a message
// with a stable id (Features.StableIDs of the other side) that it has
// already copied into another mailbox, so that a Gmail message with
// several labels, synced as label folders, is downloaded once.
type Linker interface {
	// AppendLink adds the message srcUID of mailbox src as a new message
	// of this mailbox with m's flags and INTERNALDATE (m.Body is not
	// read), and returns its UID; durable after Flush, as Append. On an
	// error nothing was added, and the caller copies the body instead.
	AppendLink(ctx context.Context, src string, srcUID UID, m NewMessage) (UID, error)
}
