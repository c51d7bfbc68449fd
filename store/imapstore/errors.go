package imapstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// grade turns the error of an operation into a *store.Error graded by
// blast radius:
//
//   - a context end is ScopeCanceled;
//   - a failed connection (imapclient.ConnError, ErrClosed) is ScopeMailbox
//     and retryable: the connection is discarded and a later attempt dials
//     a new one;
//   - a server refusal (*imap.Error) is ScopeMailbox and final, with the
//     condition sentinels for NONEXISTENT/TRYCREATE (ErrMailboxNotFound) and
//     ALREADYEXISTS (ErrMailboxExists) (RFC 5530); UNAVAILABLE and INUSE are
//     retryable;
//   - anything else (a malformed response) is ScopeMailbox and final.
//
// An error that already is a *store.Error is returned unchanged.
func grade(op, mailbox string, uid store.UID, err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return store.Errorf(store.ScopeCanceled, false, op, mailbox, uid, "%w", err)
	}
	if brokenConn(err) {
		return store.Errorf(store.ScopeMailbox, true, op, mailbox, uid, "%w", err)
	}
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w", err)
	}
	switch ie.Code {
	case imap.CodeNonExistent, imap.CodeTryCreate:
		return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w: %w", store.ErrMailboxNotFound, err)
	case imap.CodeAlreadyExists:
		return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w: %w", store.ErrMailboxExists, err)
	case imap.CodeUnavailable, imap.CodeInUse:
		return store.Errorf(store.ScopeMailbox, true, op, mailbox, uid, "%w", err)
	}
	return store.Errorf(store.ScopeMailbox, false, op, mailbox, uid, "%w", err)
}

// brokenConn reports whether err says the connection failed, as opposed
// to the server refusing the command.
func brokenConn(err error) bool {
	return imapclient.IsRetryable(err) || errors.Is(err, imapclient.ErrClosed)
}

// canceled returns the graded error of ctx when it has ended, else nil:
// every operation checks it first, so that a call with an ended context
// changes nothing.
func canceled(ctx context.Context, op, mailbox string) error {
	if err := ctx.Err(); err != nil {
		return store.Errorf(store.ScopeCanceled, false, op, mailbox, 0, "%w", err)
	}
	return nil
}

// protoErr is a malformed or unexpected server response.
func protoErr(format string, args ...any) error {
	return fmt.Errorf("imapstore: unexpected server response: "+format, args...)
}
