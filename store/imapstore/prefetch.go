package imapstore

import (
	"context"
	"sync"
	"time"

	"github.com/imapdir/imapdir/imapclient"
)

// A run's first question to the store is ListMailboxes, right after New
// (Options.ListAtOpen says the caller works that way).
// With LIST-STATUS (RFC 5819) its LIST does not depend on what New's
// probe learns (the pattern is "*", the options depend on capabilities
// only), so New sends it together with ENABLE and NAMESPACE: a run in
// which nothing changed then costs LOGIN, that one round trip, and
// LOGOUT. The answer is kept for the first ListMailboxes, if it comes
// before any other operation of the store (which could change what it
// lists: OpenMailbox, CreateMailbox, RenameMailbox, DeleteMailbox drop it)
// and within prefetchFor (a store kept open longer lists anew: a caller
// must not get a listing older than it expects).

// prefetchFor bounds the age of the listing New fetched.
const prefetchFor = 5 * time.Second

// prefetched is the LIST answer New fetched, taken once.
type prefetched struct {
	mu  sync.Mutex
	res *imapclient.ListResult
	err error
	at  time.Time
	set bool
}

// put keeps a LIST answer.
func (p *prefetched) put(res *imapclient.ListResult, err error, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res, p.err, p.at, p.set = res, err, at, true
}

// take returns the kept answer once, when it is younger than prefetchFor.
func (p *prefetched) take(now time.Time) (*imapclient.ListResult, error, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.set {
		return nil, nil, false
	}
	res, err, at := p.res, p.err, p.at
	p.res, p.err, p.set = nil, nil, false
	if now.Sub(at) > prefetchFor || now.Before(at) {
		return nil, nil, false
	}
	return res, err, true
}

// drop forgets the kept answer.
func (p *prefetched) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res, p.err, p.set = nil, nil, false
}

// listOptions are the options of ListMailboxes' LIST.
func (s *Store) listOptions() *imapclient.ListOptions {
	opts := &imapclient.ListOptions{SpecialUse: s.caps.specialUse && s.caps.listExt}
	if s.caps.listStatus {
		opts.Status = s.statusItems()
	}
	return opts
}

// list sends ListMailboxes' LIST on cn, or takes the answer New fetched.
func (s *Store) list(ctx context.Context, cn *conn) (*imapclient.ListResult, error) {
	if res, err, ok := s.prefetch.take(time.Now()); ok {
		return res, err
	}
	return cn.c.List(ctx, "", "*", s.listOptions())
}

// prefetchList sends ListMailboxes' LIST during New's probe, when the
// server has LIST-STATUS (without it, the listing is followed by a STATUS
// per mailbox, which needs the names first).
func (s *Store) prefetchList(ctx context.Context, cn *conn) {
	if !s.opts.ListAtOpen || !s.caps.listStatus {
		return
	}
	start := time.Now()
	res, err := cn.c.List(ctx, "", "*", s.listOptions())
	if err != nil && !parseOnly(res, err) {
		return // a refusal or a broken connection: ListMailboxes asks again
	}
	s.prefetch.put(res, err, start)
}
