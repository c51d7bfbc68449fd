package syncer

import "github.com/imapdir/imapdir/store"

// Observer receives the engine's progress and results, for the CLI to draw;
// the engine itself never prints. Methods are called from several
// goroutines at once (one per mailbox being synchronized) and must be safe
// for that; they should return quickly.
type Observer interface {
	// MailboxStart is called once a mailbox pair's plan is known, before
	// any change is made (or instead, under DryRun).
	MailboxStart(MailboxStart)
	// Progress is called after each message copied, with its size.
	Progress(mailbox string, to Side, bytes int64)
	// MailboxDone is called when a mailbox pair is finished, failed or not.
	MailboxDone(MailboxReport)
	// Warn reports something the user should know that did not stop the
	// mailbox (a message skipped after an error, deletions held back).
	Warn(mailbox, msg string)
	// Note is verbose detail ("checkpoint unusable, full listing").
	Note(mailbox, msg string)
	// Error reports a failure that stopped a mailbox (mailbox "" for the
	// account).
	Error(mailbox string, err error)
}

// MailboxStart is a mailbox's plan in numbers. Indexes are the target
// side: Copies[Near] counts messages to copy to the near side. Moves are
// matched across mailboxes after the passes and appear only in the
// reports (MailboxReport.Moved).
type MailboxStart struct {
	Mailbox  string
	Copies   [2]int
	Bytes    [2]int64
	Flags    [2]int
	Expunges [2]int
	DryRun   bool
}

// MailboxReport is what happened in one mailbox pair. Indexes are the side
// where the change was made: New[Near] counts messages copied to the near
// side. Under DryRun the counts are what would have happened.
type MailboxReport struct {
	Mailbox string
	DryRun  bool
	New     [2]int
	Bytes   [2]int64
	Changed [2]int
	Deleted [2]int
	Moved   [2]int
	// Conflicts counts flag updates refused because the message changed
	// meanwhile (CONDSTORE); they are planned again next run.
	Conflicts int
	// Skipped lists new messages left out (too large, too old …).
	Skipped []Skip
	// Held is set when the deletion guard held deletions back.
	Held *Held
	// Failed counts messages that failed and were skipped.
	Failed int
	// Err is the error that stopped the mailbox, nil when it finished.
	Err error
}

// NopObserver ignores everything.
type NopObserver struct{}

func (NopObserver) MailboxStart(MailboxStart)    {}
func (NopObserver) Progress(string, Side, int64) {}
func (NopObserver) MailboxDone(MailboxReport)    {}
func (NopObserver) Warn(string, string)          {}
func (NopObserver) Note(string, string)          {}
func (NopObserver) Error(string, error)          {}

// ActionObserver is an Observer that also hears of each message action,
// for per-message output (-vv) and the action log. The engine calls Action
// after the change is made in the store (under DryRun: for each change
// planned), from any mailbox goroutine.
type ActionObserver interface {
	Observer
	Action(Action)
}

// ActionKind names what happened to a message.
type ActionKind string

// The message actions.
const (
	ActionCopy   ActionKind = "copy"   // copied to side To
	ActionFlags  ActionKind = "flags"  // flags changed on side To
	ActionDelete ActionKind = "delete" // expunged on side To
	ActionMove   ActionKind = "move"   // moved on side To into mailbox Dest
)

// Action is one message action.
type Action struct {
	Mailbox string
	Kind    ActionKind
	// To is the side changed: a copy or move pulled (Near) or pushed (Far).
	To Side
	// UID is the message's UID on its source side for a copy, on side To
	// for the other actions; NewUID the UID it got on side To (copy, move)
	// when known.
	UID, NewUID store.UID
	MessageID   string
	// Subject is the decoded Subject of a copied message, read from its
	// header while it streamed; "" otherwise.
	Subject     string
	Add, Remove store.Flags // ActionFlags
	Dest        string      // ActionMove
	DryRun      bool
}
