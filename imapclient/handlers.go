package imapclient

import (
	"strings"
	"sync"
)

// Handlers registered at any time, besides Options.Handler. They run on
// the same goroutine as Options.Handler, after it, in the order they
// were registered, each event once per matching handler; the queueing
// policy is the Handler's (package documentation).

// Handle registers h for the events of kind (EventExists, EventExpunge,
// EventVanished, EventFetch, EventBye, EventDisconnected, ...) and returns
// a function that removes it. It may be called at any time, also from a
// handler; an event being delivered when h is removed may still reach it.
func (c *Client) Handle(kind EventKind, h func(Event)) (remove func()) {
	return c.events.reg.add(handlerEntry{kind: kind, h: h})
}

// HandleResponse registers h for the untagged responses named name
// ("EXISTS", "FETCH", "STATUS", "LIST", an extension's name; "*" for
// all) that no command took, and returns a function that removes it.
// Names are compared without regard to case.
func (c *Client) HandleResponse(name string, h func(Event)) (remove func()) {
	return c.events.reg.add(handlerEntry{kind: -1, name: strings.ToUpper(name), h: h})
}

// Handle is Client.Handle for the session: handlers stay registered
// across reconnects and also receive the session events
// (EventReconnecting, EventReconnected).
func (s *Session) Handle(kind EventKind, h func(Event)) (remove func()) {
	return s.events.reg.add(handlerEntry{kind: kind, h: h})
}

// HandleResponse is Client.HandleResponse for the session, across
// reconnects.
func (s *Session) HandleResponse(name string, h func(Event)) (remove func()) {
	return s.events.reg.add(handlerEntry{kind: -1, name: strings.ToUpper(name), h: h})
}

type handlerEntry struct {
	kind EventKind // -1: by response name
	name string
	h    func(Event)
}

func (e *handlerEntry) matches(ev Event) bool {
	if e.kind >= 0 {
		return ev.Kind == e.kind
	}
	return ev.Resp != nil && (e.name == "*" || ev.Resp.Name() == e.name)
}

// registry holds the registered handlers; delivery reads a snapshot, so
// handlers may register and remove others.
type registry struct {
	mu      sync.Mutex
	entries []*handlerEntry // replaced, never modified in place
}

func (r *registry) add(e handlerEntry) func() {
	p := &e
	r.mu.Lock()
	r.entries = append(r.entries[:len(r.entries):len(r.entries)], p)
	r.mu.Unlock()
	return func() { r.remove(p) }
}

func (r *registry) remove(p *handlerEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.entries {
		if e == p {
			r.entries = append(r.entries[:i:i], r.entries[i+1:]...)
			return
		}
	}
}

func (r *registry) snapshot() []*handlerEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries
}

func (r *registry) empty() bool { return len(r.snapshot()) == 0 }

// deliver hands ev to Options.Handler and the registered handlers.
func (q *eventQueue) deliver(ev Event) {
	if q.handler != nil {
		q.handler(ev)
	}
	for _, e := range q.reg.snapshot() {
		if e.matches(ev) {
			e.h(ev)
		}
	}
}
