package syncer

import (
	"fmt"
	"time"
)

// Expunge says on which sides the engine may permanently remove messages.
type Expunge int

// Expunge directions. A deletion seen on one side is carried to the other
// side by expunging the copy there when that side is in the set, else by
// setting \Deleted on it (the message then stays, marked).
const (
	ExpungeBoth Expunge = iota // the zero value: expunge on both sides
	ExpungeFar                 // expunge only on the far side
	ExpungeNear                // expunge only on the near side
	ExpungeNone                // never expunge; propagate \Deleted as a flag
)

// ParseExpunge reads "both", "far", "near" or "none".
func ParseExpunge(s string) (Expunge, error) {
	switch s {
	case "both", "":
		return ExpungeBoth, nil
	case "far":
		return ExpungeFar, nil
	case "near":
		return ExpungeNear, nil
	case "none":
		return ExpungeNone, nil
	}
	return 0, fmt.Errorf("syncer: expunge %q: want both, far, near or none", s)
}

// On reports whether the engine may expunge on side s.
func (e Expunge) On(s Side) bool {
	switch e {
	case ExpungeBoth:
		return true
	case ExpungeFar:
		return s == Far
	case ExpungeNear:
		return s == Near
	}
	return false
}

// String returns the config spelling.
func (e Expunge) String() string {
	return [...]string{"both", "far", "near", "none"}[e&3]
}

// What is one kind of propagation, as in mbsync's Sync option.
type What int

// Propagation kinds.
const (
	SyncNew   What = 1 << iota // new messages
	SyncFlags                  // flag (and keyword) changes
	SyncGone                   // deletions
	SyncAll   = SyncNew | SyncFlags | SyncGone
)

// Direction switches propagation per direction: Pull is far → near, Push is
// near → far. The zero value propagates nothing; DefaultPlanOptions sets SyncAll both
// ways.
type Direction struct {
	Pull What
	Push What
}

// carriesAll reports whether every kind of change may flow from side from.
func (d Direction) carriesAll(from Side) bool {
	if from == Far {
		return d.Pull == SyncAll
	}
	return d.Push == SyncAll
}

// allows reports whether kind w may flow from side from to the other side.
func (d Direction) allows(from Side, w What) bool {
	if from == Far {
		return d.Pull&w != 0
	}
	return d.Push&w != 0
}

// Defaults used by DefaultOptions.
const (
	DefaultDeleteGuardPercent = 25
	DefaultDeleteGuardCount   = 50
	DefaultDeleteGuardAccount = 1000
	DefaultConnections        = 4
	DefaultBatchMessages      = 200
	DefaultBatchBytes         = 32 << 20
)

// PlanOptions are the rules the pure planner applies to one mailbox pair.
type PlanOptions struct {
	// Sync switches each kind of propagation per direction.
	Sync Direction
	// Expunge says where the engine may expunge.
	Expunge Expunge
	// MaxSize, when > 0, leaves out new messages larger than this many
	// bytes (reported as skipped).
	MaxSize int64
	// MaxAge, when > 0, leaves out new messages whose INTERNALDATE is older
	// than Now - MaxAge.
	MaxAge time.Duration
	// DeleteGuardPercent and DeleteGuardCount: a plan that would delete on
	// one side more than DeleteGuardPercent % of the mailbox's messages AND
	// more than DeleteGuardCount messages holds back that mailbox's
	// deletions (see Plan.Held) unless Force.
	DeleteGuardPercent int
	DeleteGuardCount   int
	// Force carries out deletions the guard would hold back, and syncs a
	// near mailbox found empty although the state says it held mail.
	Force bool
}

// DefaultPlanOptions returns two-way sync of everything, expunge on both
// sides, no size or age limit, the default deletion guard.
func DefaultPlanOptions() PlanOptions {
	return PlanOptions{
		Sync:               Direction{Pull: SyncAll, Push: SyncAll},
		Expunge:            ExpungeBoth,
		DeleteGuardPercent: DefaultDeleteGuardPercent,
		DeleteGuardCount:   DefaultDeleteGuardCount,
	}
}
