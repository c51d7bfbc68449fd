package imapclient

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/imapdir/imapdir/imap"
)

// NotifyGroup is one event group of NOTIFY SET (RFC 5465 §3.1): which
// mailboxes, and which events the server reports for them.
type NotifyGroup struct {
	// Filter is "selected", "selected-delayed", "inboxes", "personal",
	// "subscribed", "subtree" or "mailboxes" (RFC 5465 §6). The last two
	// name their mailboxes in Mailboxes.
	Filter    string
	Mailboxes []string
	// Events are event names such as "MessageNew", "MessageExpunge",
	// "FlagChange", "MailboxName" (RFC 5465 §5); empty means NONE.
	Events []string
}

// ErrNoNotify is returned by NotifySet when the server does not offer
// NOTIFY.
var ErrNoNotify = errors.New("imapclient: the server does not offer NOTIFY (RFC 5465)")

// NotifySet sends NOTIFY SET with groups (RFC 5465 §3.1). From then on the
// server reports the events as unilateral data to the Handler: for the
// selected mailbox as EXISTS, EXPUNGE/VANISHED and FETCH; for the others
// as STATUS responses (RFC 5465 §5.2–5.4), which NotifiedStatus reads.
// The server sends them at any time, and at once while the connection is
// in Idle. With status true the server first sends each matching
// mailbox's STATUS (the STATUS indicator, RFC 5465 §3.1).
func (c *Client) NotifySet(ctx context.Context, status bool, groups ...NotifyGroup) error {
	if !c.Caps().Has(imap.CapNotify) {
		return ErrNoNotify
	}
	args := []imap.Value{imap.Atom("NOTIFY"), imap.Atom("SET")}
	if status {
		args = append(args, imap.Atom("STATUS"))
	}
	for _, g := range groups {
		args = append(args, g.value())
	}
	_, err := c.run(ctx, nil, args...)
	return err
}

// NotifyNone sends NOTIFY NONE (RFC 5465 §3.2): no more notifications.
func (c *Client) NotifyNone(ctx context.Context) error {
	_, err := c.run(ctx, nil, imap.Atom("NOTIFY"), imap.Atom("NONE"))
	return err
}

// value is the group's "(filter-mailboxes events)" form (RFC 5465 §8).
func (g NotifyGroup) value() imap.Value {
	var filter imap.Value = imap.Atom(g.Filter)
	list := imap.List{filter}
	if len(g.Mailboxes) > 0 {
		boxes := imap.List{}
		for _, m := range g.Mailboxes {
			boxes = append(boxes, imap.Mailbox(m))
		}
		list = append(list, boxes)
	}
	if len(g.Events) == 0 {
		return append(list, imap.Atom("NONE"))
	}
	events := imap.List{}
	for _, e := range g.Events {
		events = append(events, imap.Atom(e))
	}
	return append(list, events)
}

// NotifiedStatus reads an unsolicited STATUS response, as NOTIFY sends for
// mailboxes other than the selected one (RFC 5465 §5.2); ok is false for
// any other event.
func (c *Client) NotifiedStatus(ev Event) (st *imap.StatusData, ok bool) {
	if ev.Resp == nil || ev.Resp.Name() != "STATUS" {
		return nil, false
	}
	st, err := notifiedName(c.utf8Names(), func(utf8 bool) (*imap.StatusData, error) {
		st, err := imap.ParseStatus(ev.Resp, utf8)
		if err != nil {
			return nil, err
		}
		return st, nil
	}, func(st *imap.StatusData) string { return st.Mailbox })
	return st, err == nil
}

// notifiedName parses a response pushed under NOTIFY. Dovecot 2.3.19
// writes the mailbox names of these responses in UTF-8 ("Entwürfe", "R&D")
// although UTF8=ACCEPT is not enabled, where modified UTF-7 is due: a name
// that is not modified UTF-7 is taken as UTF-8 when it is valid UTF-8, so
// that the event is not lost (it would be until the next full sync).
func notifiedName[T any](utf8Names bool, parse func(utf8 bool) (T, error), name func(T) string) (T, error) {
	v, err := parse(utf8Names)
	if err == nil || utf8Names {
		return v, err
	}
	if w, err2 := parse(true); err2 == nil && utf8.ValidString(name(w)) {
		return w, nil
	}
	return v, err
}

// NotifiedList reads an unsolicited LIST response, as NOTIFY's
// MailboxName event sends for a mailbox created, deleted (\NonExistent)
// or renamed (OLDNAME) (RFC 5465 §5.4); ok is false for any other event.
func (c *Client) NotifiedList(ev Event) (l *imap.ListData, ok bool) {
	if ev.Resp == nil || ev.Resp.Name() != "LIST" {
		return nil, false
	}
	l, err := notifiedName(c.utf8Names(), func(utf8 bool) (*imap.ListData, error) {
		l, err := imap.ParseList(ev.Resp, utf8)
		if err != nil {
			return nil, err
		}
		return l, nil
	}, func(l *imap.ListData) string { return l.Name })
	return l, err == nil
}
