package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Scope grades an error by its blast radius: what the engine must give up.
type Scope int

// Scopes, from smallest to largest.
const (
	// ScopeMessage: skip this message, go on with the mailbox.
	ScopeMessage Scope = iota + 1
	// ScopeMailbox: stop this mailbox, go on with the others.
	ScopeMailbox
	// ScopeStore: stop the whole account.
	ScopeStore
	// ScopeCanceled: the run was canceled (context ended).
	ScopeCanceled
)

// String names the scope.
func (s Scope) String() string {
	switch s {
	case ScopeMessage:
		return "message"
	case ScopeMailbox:
		return "mailbox"
	case ScopeStore:
		return "store"
	case ScopeCanceled:
		return "canceled"
	}
	return fmt.Sprintf("scope(%d)", int(s))
}

// Sentinels matched with errors.Is. Every *Error matches the sentinel of its
// scope; stores wrap the condition sentinels below where they apply.
var (
	ErrMessage  = errors.New("message failed")
	ErrMailbox  = errors.New("mailbox failed")
	ErrStore    = errors.New("store failed")
	ErrCanceled = errors.New("canceled")

	ErrMailboxNotFound    = errors.New("mailbox not found")
	ErrMailboxExists      = errors.New("mailbox already exists")
	ErrMailboxNotEmpty    = errors.New("mailbox not empty")
	ErrCheckpointUnusable = errors.New("checkpoint unusable")
	ErrUnsupported        = errors.New("not supported by this store")
	ErrReadOnly           = errors.New("mailbox is read-only")
)

// Error is a store failure with its blast radius and where it happened.
type Error struct {
	Scope Scope
	// Retryable: the same operation may succeed later (network fault,
	// server busy); final otherwise (refused, malformed).
	Retryable bool
	Op        string // "append", "fetch", "select" …
	Mailbox   string // neutral name, if any
	UID       UID    // if any
	Err       error
}

// Error formats "OP MAILBOX uid N: cause".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Mailbox != "" {
		fmt.Fprintf(&b, " %q", e.Mailbox)
	}
	if e.UID != 0 {
		fmt.Fprintf(&b, " uid %d", e.UID)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the cause and the scope's sentinel to errors.Is/As.
func (e *Error) Unwrap() []error { return []error{e.Err, e.Scope.sentinel()} }

func (s Scope) sentinel() error {
	switch s {
	case ScopeMessage:
		return ErrMessage
	case ScopeMailbox:
		return ErrMailbox
	case ScopeCanceled:
		return ErrCanceled
	}
	return ErrStore
}

// Errorf builds an *Error. The cause is formatted with fmt.Errorf, so %w
// works in format.
func Errorf(scope Scope, retryable bool, op, mailbox string, uid UID, format string, args ...any) *Error {
	return &Error{Scope: scope, Retryable: retryable, Op: op, Mailbox: mailbox, UID: uid, Err: fmt.Errorf(format, args...)}
}

// ScopeOf tells the blast radius of err: the scope of the outermost *Error
// in its chain, ScopeCanceled for context errors, ScopeStore otherwise (an
// unknown failure is treated as the largest).
func ScopeOf(err error) Scope {
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ScopeCanceled
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Scope
	}
	return ScopeStore
}

// IsRetryable reports whether err is marked retryable.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}
