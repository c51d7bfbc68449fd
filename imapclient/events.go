package imapclient

import (
	"log/slog"
	"sync"

	"github.com/imapdir/imapdir/imap"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds. Data events carry Resp; session events carry Err.
const (
	EventOther        EventKind = iota // untagged data no command claimed, not one of the kinds below
	EventExists                        // "* n EXISTS" (RFC 9051 §7.4.1): Num is the new message count
	EventRecent                        // "* n RECENT" (RFC 3501 §7.3.2)
	EventExpunge                       // "* n EXPUNGE" (RFC 9051 §7.5.1): Num is the sequence number
	EventVanished                      // "* VANISHED uids" (RFC 7162 §3.2.10): UIDs
	EventFetch                         // unsolicited "* n FETCH" (flag changes): Fetch
	EventStatus                        // untagged OK/NO/BAD (ALERT and other codes, RFC 9051 §7.1)
	EventBye                           // "* BYE": the server is closing the connection
	EventCapability                    // capabilities (re)read or announced: Caps
	EventDisconnected                  // the connection failed: Err (a *ConnError); a Session that gives up: Err (a *SessionEndedError)
	EventReconnecting                  // Session: a reconnect attempt starts; Attempt, Err (last failure)
	EventReconnected                   // Session: connected, logged in, state restored
)

var kindNames = [...]string{"other", "exists", "recent", "expunge", "vanished", "fetch", "status", "bye",
	"capability", "disconnected", "reconnecting", "reconnected"}

// String names the kind.
func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event is unilateral data from the server or something that happened to
// the connection, delivered to Options.Handler.
type Event struct {
	Kind     EventKind
	Resp     *imap.Response  // the response, for data events
	Num      uint32          // EXISTS / RECENT count, EXPUNGE sequence number
	UIDs     imap.UIDSet     // VANISHED
	Fetch    *imap.FetchData // FETCH
	Caps     imap.CapSet     // CAPABILITY
	Err      error           // session events
	Attempt  int             // EventReconnecting: attempt number from 1
	Mailbox  string          // EventReconnected: mailbox re-selected ("" if none)
	Selected *imap.SelectData
}

// eventOf types an untagged response.
func eventOf(resp *imap.Response) Event {
	ev := Event{Kind: EventOther, Resp: resp}
	switch resp.Name() {
	case "EXISTS":
		ev.Kind, ev.Num = EventExists, respNum(resp)
	case "RECENT":
		ev.Kind, ev.Num = EventRecent, respNum(resp)
	case "EXPUNGE":
		ev.Kind, ev.Num = EventExpunge, respNum(resp)
	case "VANISHED":
		if v, err := imap.ParseVanished(resp); err == nil {
			ev.Kind, ev.UIDs = EventVanished, v.UIDs
		}
	case "FETCH":
		if f, err := imap.ParseFetch(resp); err == nil {
			ev.Kind, ev.Fetch = EventFetch, f
		}
	case "OK", "NO", "BAD":
		ev.Kind = EventStatus
	case "BYE":
		ev.Kind = EventBye
	case "CAPABILITY":
		ev.Kind = EventCapability
		ev.Caps, _ = imap.ParseCapability(resp)
	}
	return ev
}

func respNum(resp *imap.Response) uint32 {
	n, _ := resp.Num()
	return n
}

// eventQueue hands events to the handler on its own goroutine.
//
// Policy: the queue is unbounded, with a warning logged when it holds
// warnAt events and at every doubling after. Unilateral data is the
// server's account of the mailbox (EXPUNGE renumbers messages, EXISTS
// counts them); dropping or coalescing it would make the handler's view
// wrong, and blocking would stall the reader and with it every command.
// The server sends such data at the pace of mailbox changes, so the queue
// only grows when the handler is stuck, which the warning reveals.
type eventQueue struct {
	handler func(Event)
	reg     registry
	log     *slog.Logger
	warnAt  int

	mu     sync.Mutex
	items  []Event
	wake   chan struct{}
	closed bool
	done   chan struct{}
}

func newEventQueue(h func(Event), log *slog.Logger, warnAt int) *eventQueue {
	q := &eventQueue{handler: h, log: log, warnAt: warnAt, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go q.run()
	return q
}

// push queues ev without blocking.
func (q *eventQueue) push(ev Event) {
	if q.handler == nil && q.reg.empty() {
		return
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, ev)
	n := len(q.items)
	if n >= q.warnAt && n&(n-1) == 0 || n == q.warnAt {
		q.log.Warn("imapclient: event handler is slow; events queued", "queued", n)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		items := q.items
		q.items = nil
		closed := q.closed
		q.mu.Unlock()
		for _, ev := range items {
			q.deliver(ev)
		}
		if len(items) == 0 && closed {
			return
		}
		if len(items) == 0 {
			<-q.wake
		}
	}
}

// close lets the goroutine deliver what is queued and end. It does not
// wait, so that a handler may close the client.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
