package syncer

import (
	"time"

	"github.com/imapdir/imapdir/store"
)

// Side names one of the two stores of a synchronization.
type Side int

// The two sides. Far is usually the IMAP server, Near the local Maildir, but
// the engine treats them alike: any store can be on either side.
const (
	Far Side = iota
	Near
)

// Other returns the opposite side.
func (s Side) Other() Side { return 1 - s }

// String returns "far" or "near".
func (s Side) String() string {
	if s == Far {
		return "far"
	}
	return "near"
}

// Pair is the agreed state of one message known on at least one side of a
// mailbox pair, as recorded after the last successful propagation.
//
// UID[s] is the message's UID on side s, or 0 when the message has no copy
// there and must not get one: the pair is then "one-sided", kept so that the
// message is not mistaken for a new one (a deletion that the expunge
// direction did not let the engine carry over).
type Pair struct {
	// ID is the state database's row id; 0 for a pair not yet stored.
	ID int64
	// UID holds the message's UID per side (index Far, Near).
	UID [2]store.UID
	// Flags is the flag set both sides agreed on at the last sync.
	Flags store.Flags
	// Labels are Gmail labels as last agreed.
	Labels       []string
	Size         int64
	InternalDate time.Time
	MessageID    string
	// EmailID is the far side's stable id (EMAILID, X-GM-MSGID), or "".
	EmailID    string
	HeaderHash string
}

// OneSided reports whether the pair has a copy on one side only.
func (p *Pair) OneSided() bool { return p.UID[Far] == 0 || p.UID[Near] == 0 }
