package watch

import (
	"time"

	"github.com/imapdir/imapdir/syncer"
)

// Event kinds.
const (
	EventSynced     = "synced"     // a sync finished (Full: the whole account)
	EventNewMail    = "new_mail"   // messages arrived from the server: Count
	EventConnection = "connection" // State: connected, retrying, stopped (the lock released)
	EventError      = "error"      // a sync or hook failed: Error, Retry
)

// Counts are the changes a sync made on one side.
type Counts struct {
	New     int `json:"new"`
	Changed int `json:"changed"`
	Deleted int `json:"deleted"`
}

func (c Counts) zero() bool { return c == Counts{} }

// Event is one thing a watch reports. Its JSON form is the --json output.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"event"`
	Account string    `json:"account"`
	Mailbox string    `json:"mailbox,omitempty"`
	// synced
	Full   bool   `json:"full,omitempty"`
	Pulled Counts `json:"pulled,omitzero"` // changes made in the Maildir
	Pushed Counts `json:"pushed,omitzero"` // changes made on the server
	// new_mail
	Count   int    `json:"count,omitempty"`
	From    string `json:"from,omitempty"`    // the newest message's
	Subject string `json:"subject,omitempty"` // the newest message's
	// connection: "connected" (Detail: "notify" or "idle MAILBOX"),
	// "retrying" (Error, RetryIn), "stopped" (the account's watch ended)
	State  string `json:"state,omitempty"`
	Detail string `json:"detail,omitempty"`
	// error, retrying
	Error   string        `json:"error,omitempty"`
	RetryIn time.Duration `json:"retry_in_ns,omitempty"`
}

// countsOf returns what report changed on each side.
func countsOf(r syncer.MailboxReport) (pulled, pushed Counts) {
	side := func(s syncer.Side) Counts {
		return Counts{New: r.New[s], Changed: r.Changed[s] + r.Moved[s], Deleted: r.Deleted[s]}
	}
	return side(syncer.Near), side(syncer.Far)
}
