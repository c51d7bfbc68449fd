package imapstore

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// scan is a metadata fetch over a UID range, cut into UID FETCH commands
// of at most chunk UIDs each, so that memory stays bounded whatever the
// mailbox's size. Explicit ranges cover lo..top; the last one is
// open-ended ("lo:*") unless the scan is closed, so that it also catches
// messages that arrived since the UIDNEXT that top came from. A chunk that comes back sparse makes the next one larger, so a
// mailbox whose UIDs have large gaps costs few commands.
type scan struct {
	lo, top      store.UID // top 0: no explicit ranges
	items        []imap.Value
	changedSince imap.ModSeq // CHANGEDSINCE (RFC 7162 §3.1.4.1), 0 for none
	vanished     bool        // VANISHED (RFC 7162 §3.2.6)
	closed       bool        // stop at top: no open-ended last range
	hashIDless   bool        // fill HeaderHash where there is no Message-ID
	chunk        int
}

// chunkResult is what one command of a scan returned.
type chunkResult struct {
	msgs     []store.Message
	vanished imap.UIDSet
	err      error
}

// run fetches the chunks on a goroutine, one chunk ahead of emit, which is
// called on the caller's goroutine with each chunk's messages in ascending
// UID order. It returns the union of the VANISHED (EARLIER) UIDs. An error
// of emit stops the scan after the chunk in flight.
func (sc scan) run(ctx context.Context, m *Mailbox, emit func([]store.Message) error) (imap.UIDSet, error) {
	out := make(chan chunkResult, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { sc.produce(ctx, m, out, stop) })
	var vanished imap.UIDSet
	var err error
	for r := range out {
		if err == nil {
			err = r.err
		}
		if err == nil {
			vanished.AddSet(r.vanished)
			err = emit(r.msgs)
		}
		if err != nil {
			closeOnce(stop)
		}
	}
	wg.Wait()
	return vanished, err
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// produce sends one chunkResult per command until the open-ended range
// was fetched, an error occurred or stop was closed.
func (sc scan) produce(ctx context.Context, m *Mailbox, out chan<- chunkResult, stop <-chan struct{}) {
	defer close(out)
	defer func() {
		if r := recover(); r != nil {
			select {
			case out <- chunkResult{err: m.panicked(r)}:
			case <-stop:
			}
		}
	}()
	lo, chunk := uint64(max(sc.lo, 1)), uint64(max(sc.chunk, 1))
	if sc.closed && lo > uint64(sc.top) {
		return
	}
	for {
		set, hi, open := sc.rangeAt(lo, chunk)
		r := sc.fetch(ctx, m, set, store.UID(lo), hi)
		select {
		case out <- r:
		case <-stop:
			return
		}
		if r.err != nil || open {
			return
		}
		if uint64(len(r.msgs)) < chunk/4 {
			chunk = min(chunk*4, 1<<24)
		}
		lo = uint64(hi) + 1
	}
}

// rangeAt returns the UID set of the chunk starting at lo, its last UID
// (0 when open-ended) and whether it is the last chunk. The last chunk of
// an open scan is "lo:*", which also takes what arrived since top was
// learnt; a closed scan ends at top, so that VANISHED covers an expunged
// highest UID (which "*" no longer reaches).
func (sc scan) rangeAt(lo, chunk uint64) (imap.UIDSet, store.UID, bool) {
	top := uint64(sc.top)
	if top == 0 || lo > top {
		return imap.UIDRangeSet(imap.UID(min(lo, 1<<32-1)), 0), 0, true
	}
	hi := min(lo+chunk-1, top)
	switch {
	case hi < top:
		return imap.UIDRangeSet(imap.UID(lo), imap.UID(hi)), store.UID(hi), false
	case sc.closed:
		return imap.UIDRangeSet(imap.UID(lo), imap.UID(hi)), store.UID(hi), true
	}
	return imap.UIDRangeSet(imap.UID(lo), 0), 0, true
}

// fetch runs one UID FETCH and keeps the complete answers for UIDs in
// lo..hi (hi 0: no upper bound): unsolicited FETCH responses (flag
// updates of other sessions, without RFC822.SIZE) and the message "*"
// stands for when lo is beyond the last UID are left out.
func (sc scan) fetch(ctx context.Context, m *Mailbox, set imap.UIDSet, lo, hi store.UID) chunkResult {
	var mu sync.Mutex // OnMessage runs on the reader goroutine, which outlives an abandoned command
	var msgs []store.Message
	if sc.changedSince == 0 {
		msgs = make([]store.Message, 0, expected(lo, hi))
	}
	opts := &imapclient.FetchOptions{
		ChangedSince: sc.changedSince,
		Vanished:     sc.vanished,
		OnMessage: func(fd *imap.FetchData) error {
			uid := store.UID(fd.UID)
			if !fd.HasSize || uid < lo || (hi != 0 && uid > hi) {
				return nil
			}
			msg := m.s.toMessage(fd)
			m.listed.note(msg)
			mu.Lock()
			msgs = append(msgs, msg)
			mu.Unlock()
			return nil
		},
	}
	res, err := m.cn.c.UIDFetch(ctx, set, sc.items, opts)
	if err != nil {
		return chunkResult{err: m.cn.fail(err)}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(msgs, func(a, b store.Message) int { return cmp.Compare(a.UID, b.UID) })
	msgs = slices.CompactFunc(msgs, func(a, b store.Message) bool { return a.UID == b.UID })
	if sc.hashIDless {
		if err := m.fillHeaderHashes(ctx, msgs); err != nil {
			return chunkResult{err: err}
		}
	}
	return chunkResult{msgs: msgs, vanished: res.Vanished}
}

// expected sizes a chunk's slice: the UID range, capped (a sparse range
// holds fewer).
func expected(lo, hi store.UID) int {
	if hi < lo {
		return 64
	}
	return int(min(uint64(hi-lo)+1, 16384))
}

// List streams the metadata of the messages with UID >= opts.MinUID by UID
// FETCH lo:hi (UID FLAGS RFC822.SIZE INTERNALDATE, MODSEQ, Gmail or
// OBJECTID ids when offered, the Message-ID header when asked) in chunks of
// UID ranges (see scan), fetching the next chunk while fn consumes the
// current one; with MaxUID the listing stops there, and what listings
// said of UIDs below MinUID is forgotten (the bodies fetched after a
// listing are checked against it: see listedSet). A full listing
// (MinUID <= 1, no MaxUID) updates Status: message count,
// UIDNEXT above the highest UID, HIGHESTMODSEQ at least the highest MODSEQ.
func (m *Mailbox) List(ctx context.Context, opts store.ListOptions, fn func([]store.Message) error) error {
	if err := m.begin(ctx, "list"); err != nil {
		return err
	}
	if err := m.sync(ctx); err != nil {
		return m.done("list", 0, err)
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = DefaultBatchSize
	}
	sc := scan{lo: opts.MinUID, items: m.s.metaItems(opts.WithMessageID), chunk: m.s.opts.ListChunk, hashIDless: opts.WithMessageID}
	if m.status.UIDNext > 1 {
		sc.top = m.status.UIDNext - 1
	}
	if opts.MaxUID != 0 {
		// A window of a larger listing: closed at MaxUID, so that the
		// next window's "lo:*" is not fetched here too; what earlier
		// windows listed is forgotten.
		sc.top, sc.closed = opts.MaxUID, true
		m.listed.keepFrom(opts.MinUID)
	}
	var seen stats
	_, err := sc.run(ctx, m, func(msgs []store.Message) error {
		seen.add(msgs)
		return inBatches(msgs, batch, fn)
	})
	if err != nil {
		return m.done("list", 0, err)
	}
	if opts.MinUID <= 1 && opts.MaxUID == 0 {
		m.status.Messages = seen.count
	}
	seen.raise(&m.status)
	return nil
}

// stats tracks what a listing saw, to refresh Status.
type stats struct {
	count  int
	maxUID store.UID
	maxMod store.ModSeq
}

func (st *stats) add(msgs []store.Message) {
	st.count += len(msgs)
	for _, msg := range msgs {
		st.maxUID = max(st.maxUID, msg.UID)
		st.maxMod = max(st.maxMod, msg.ModSeq)
	}
}

// raise lifts UIDNEXT and HIGHESTMODSEQ to what was seen.
func (st *stats) raise(s *store.Status) {
	if st.maxUID >= s.UIDNext {
		s.UIDNext = st.maxUID + 1
	}
	if s.HighestModSeq != 0 || st.maxMod != 0 {
		s.HighestModSeq = max(s.HighestModSeq, st.maxMod)
	}
}

// inBatches calls fn with consecutive slices of msgs of at most n.
func inBatches(msgs []store.Message, n int, fn func([]store.Message) error) error {
	for len(msgs) > 0 {
		k := min(n, len(msgs))
		if err := fn(msgs[:k:k]); err != nil {
			return err
		}
		msgs = msgs[k:]
	}
	return nil
}
