package imapstore

import (
	"context"

	"github.com/imapdir/imapdir/store"
)

// List streams the metadata of the messages with UID >= opts.MinUID by UID
// FETCH lo:hi (UID FLAGS RFC822.SIZE INTERNALDATE, MODSEQ, Gmail or
// OBJECTID ids when offered, the Message-ID header when asked) in chunks of
// UID ranges (see scan), fetching the next chunk while fn consumes the
// current one. A full listing (MinUID <= 1) updates Status: message count,
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
	sc := scan{lo: opts.MinUID, items: m.s.metaItems(opts.WithMessageID), chunk: m.s.opts.ListChunk}
	if m.status.UIDNext > 1 {
		sc.top = m.status.UIDNext - 1
	}
	var seen stats
	_, err := sc.run(ctx, m, func(msgs []store.Message) error {
		seen.add(msgs)
		return inBatches(msgs, batch, fn)
	})
	if err != nil {
		return m.done("list", 0, err)
	}
	if opts.MinUID <= 1 {
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
