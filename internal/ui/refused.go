package ui

import "errors"

// Refused marks err, a mailbox's error for MailboxDone, as a refusal by a
// safety rule (a local mailbox found emptied or missing) rather than a
// failure: the mailbox is shown as "held back", not counted as failed.
func Refused(err error) error {
	if err == nil {
		return nil
	}
	return refusedError{err}
}

type refusedError struct{ error }

func (r refusedError) Unwrap() error { return r.error }

// isRefused reports whether err was marked by Refused.
func isRefused(err error) bool {
	var r refusedError
	return errors.As(err, &r)
}

// isFailure reports whether err makes a mailbox count as failed.
func isFailure(err error) bool { return err != nil && !isRefused(err) }

// outcomeWord is how a mailbox that ended with err is said to have ended.
func outcomeWord(err error) string {
	if isRefused(err) {
		return "held back"
	}
	return "failed"
}
