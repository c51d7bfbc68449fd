package imapstore

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// statusPipeline bounds the STATUS commands ListMailboxes has in flight
// at once on a server without LIST-STATUS.
const statusPipeline = 16

// statusCache holds what the last ListMailboxes learned of each mailbox's
// state (LIST-STATUS, RFC 5819, or STATUS, RFC 9051 §6.3.11), by server
// name. OpenMailbox takes an entry (once): a mailbox whose state equals the
// caller's checkpoint is then never SELECTed (see Mailbox.Changes). The
// values are a lower bound of the mailbox's state when they are used, so
// a change made after the listing is reported on the next run, never lost.
type statusCache struct {
	mu sync.Mutex
	m  map[string]store.Status
}

// replace drops every entry and keeps all instead.
func (c *statusCache) replace(all map[string]store.Status) {
	c.mu.Lock()
	c.m = all
	c.mu.Unlock()
}

// take returns and forgets the entry of srv.
func (c *statusCache) take(srv string) (store.Status, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[srv]
	delete(c.m, srv)
	return st, ok
}

// statusItems are the STATUS items ListMailboxes asks for: enough for a
// checkpoint comparison. MAILBOXID is asked apart (mailboxIDs).
func (s *Store) statusItems() []string {
	items := []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY"}
	if s.caps.condStore {
		items = append(items, "HIGHESTMODSEQ") // RFC 7162 §3.1.6
	}
	return items
}

// mailboxIDs adds each mailbox's MAILBOXID (RFC 8474 §4.2) to res with a
// LIST that asks for it alone: Cyrus 3.6.1 sends bytes of its memory as
// the MAILBOXID of a STATUS that asks for other items too (right when
// asked alone), which no decoder can take.
func (s *Store) mailboxIDs(ctx context.Context, cn *conn, res *imapclient.ListResult) error {
	ids, err := cn.c.List(ctx, "", "*", &imapclient.ListOptions{Status: []string{"MAILBOXID"}})
	if err != nil {
		return err
	}
	if res.Status == nil {
		res.Status = map[string]*imap.StatusData{}
	}
	for name, sd := range ids.Status {
		if st := res.Status[name]; st != nil {
			st.MailboxID = sd.MailboxID
		} else {
			res.Status[name] = sd
		}
	}
	return nil
}

// statusOf converts STATUS data to a store.Status, or false when an item
// a checkpoint comparison needs is missing. A HIGHESTMODSEQ of 0 means
// the mailbox keeps no mod-sequences (RFC 7162 §3.1.2.1).
func (s *Store) statusOf(sd *imap.StatusData) (store.Status, bool) {
	for _, it := range []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY"} {
		if !sd.Has(it) {
			return store.Status{}, false
		}
	}
	st := store.Status{UIDValidity: sd.UIDValidity, UIDNext: store.UID(sd.UIDNext), Messages: int(sd.Messages)}
	if s.caps.condStore {
		if !sd.Has("HIGHESTMODSEQ") {
			return store.Status{}, false
		}
		st.HighestModSeq = store.ModSeq(sd.HighestModSeq)
	}
	return st, st.UIDValidity != 0
}

// statusAll fills res.Status for the selectable mailboxes LIST returned,
// with one STATUS each, pipelined (at most statusPipeline in flight): the
// fallback for servers without LIST-STATUS. A mailbox whose STATUS fails
// is left out (it is then SELECTed when opened); a broken connection is
// an error.
func (s *Store) statusAll(ctx context.Context, cn *conn, res *imapclient.ListResult) error {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		fail error
	)
	slots := make(chan struct{}, statusPipeline)
	res.Status = map[string]*imap.StatusData{}
	items := s.statusItems()
	for _, l := range res.Mailboxes {
		if l.HasAttr(imap.AttrNoSelect) || l.HasAttr(imap.AttrNonExistent) {
			continue
		}
		if _, ok := s.names.toNeutral(l.Name); !ok {
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			sd, err := cn.c.Status(ctx, l.Name, items...)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.Status[l.Name] = sd
			case brokenConn(err) || ctx.Err() != nil:
				fail = err
			}
		})
	}
	wg.Wait()
	return fail
}

// cacheStatus keeps the listed states for OpenMailbox.
func (s *Store) cacheStatus(res *imapclient.ListResult) {
	all := make(map[string]store.Status, len(res.Status))
	for name, sd := range res.Status {
		if st, ok := s.statusOf(sd); ok {
			all[name] = st
		}
	}
	s.listed.replace(all)
}

// messagesToken is the checkpoint Token of an IMAP mailbox: its message
// count, which together with UIDNEXT tells that nothing was expunged where
// HIGHESTMODSEQ alone cannot (CONDSTORE without QRESYNC need not raise it
// on expunge, RFC 7162 §3.1.2).
func messagesToken(n int) string { return "m" + strconv.Itoa(n) }

// tokenMessages reads messagesToken's count; false when tok is not one.
func tokenMessages(tok string) (int, bool) {
	rest, ok := strings.CutPrefix(tok, "m")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// unchangedSince reports whether a mailbox in state st holds exactly what
// it held at checkpoint since: same UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ
// (a flag change raises HIGHESTMODSEQ, RFC 7162 §3.1.2.1, and so does an
// expunge on a QRESYNC server, which must report it by mod-sequence,
// §3.2), and, without QRESYNC, the same message count as the checkpoint's
// Token records.
func (s *Store) unchangedSince(since store.Checkpoint, st store.Status) bool {
	if since.UIDValidity != st.UIDValidity || since.UIDNext != st.UIDNext ||
		st.HighestModSeq == 0 || since.HighestModSeq != st.HighestModSeq {
		return false
	}
	if s.caps.qresync {
		return true
	}
	n, ok := tokenMessages(since.Token)
	return ok && n == st.Messages
}

// checkpointOf is the checkpoint of a mailbox state.
func checkpointOf(st store.Status) store.Checkpoint {
	cp := store.Checkpoint{UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, HighestModSeq: st.HighestModSeq}
	if st.HighestModSeq != 0 {
		cp.Token = messagesToken(st.Messages)
	}
	return cp
}
