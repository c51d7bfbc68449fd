package imapstore

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"io"
	"sync"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/imapwire"
	"github.com/imapdir/imapdir/store"
)

// A body FETCH is checked against what the listing said of the message
// before the two are paired: a server that labels message 3's body as
// UID 4 (or sends a body far larger than the size it reported) must not
// have it stored as UID 4.

// DefaultMaxMessageSize is the default of Options.MaxMessageSize.
const DefaultMaxMessageSize = 2 << 30

// bodySlack is what a body may exceed twice its listed RFC822.SIZE by
// (servers that count the size another way than the bytes they send).
const bodySlack = 1 << 20

// listedMsg is what a listing said of one message: its RFC822.SIZE and a
// hash of its Message-ID (0: none listed).
type listedMsg struct {
	size int64
	id   uint64
}

// listedSet remembers the listed messages of one mailbox (a few words per
// message), written on the reader goroutine, read by FetchBodies.
type listedSet struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[store.UID]listedMsg
}

// note records a listed message.
func (l *listedSet) note(msg store.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[store.UID]listedMsg)
		l.seed = maphash.MakeSeed()
	}
	l.m[msg.UID] = listedMsg{size: msg.Size, id: l.hash(msg.MessageID)}
}

// keepFrom forgets what was listed below UID lo, in a fresh map (a Go
// map keeps its size after deletes): a caller listing a mailbox in UID
// windows has fetched what it needed of the earlier windows, so the set
// stays the size of one window.
func (l *listedSet) keepFrom(lo store.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		return // note makes the map and its seed
	}
	kept := make(map[store.UID]listedMsg)
	for u, v := range l.m {
		if u >= lo {
			kept[u] = v
		}
	}
	l.m = kept
}

func (l *listedSet) hash(id string) uint64 {
	if id == "" {
		return 0
	}
	return maphash.String(l.seed, id)
}

// get returns what was listed of uid.
func (l *listedSet) get(uid store.UID) (listedMsg, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.m[uid]
	return v, ok
}

// bound is the largest body literal accepted for a batch of uids: twice
// the largest listed size plus bodySlack, within limit; limit alone when
// a UID was not listed.
func (l *listedSet) bound(uids []store.UID, limit int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var top int64
	for _, u := range uids {
		v, ok := l.m[u]
		if !ok {
			return limit
		}
		top = max(top, v.size)
	}
	return min(2*top+bodySlack, limit)
}

// checkLiteral refuses, before a byte of it is read, a body literal
// larger than bound (an error wrapping imapwire.ErrLimit: the connection
// is given up rather than drained).
func checkLiteral(info imapclient.BodyInfo, bound int64) error {
	if info.Size <= bound {
		return nil
	}
	return fmt.Errorf("imapstore: the server announced a body of %d bytes for message %d, above the %d bytes its listed size allows: %w",
		info.Size, info.Seq, bound, imapwire.ErrLimit)
}

// mismatch says how a fetched body differs from what the listing said of
// its UID ("" when it matches or nothing was listed): the RFC822.SIZE of
// the two responses, the body's size against the listed one, and the
// Message-ID of the body's header against the listed one.
func (l *listedSet) mismatch(msg store.Message, sp *spooled) string {
	want, ok := l.get(msg.UID)
	if !ok {
		return ""
	}
	switch {
	case msg.Size != 0 && msg.Size != want.size:
		return fmt.Sprintf("RFC822.SIZE %d, listed as %d", msg.Size, want.size)
	case sp.size > 2*want.size+bodySlack:
		return fmt.Sprintf("a body of %d bytes, listed as %d", sp.size, want.size)
	}
	hdr, whole := headerOf(sp)
	if want.id == 0 || !whole { // nothing listed, or a header too long to check
		return ""
	}
	return l.idMismatch(want, hdr)
}

// idMismatch compares the Message-ID of a header block with the listed
// one ("" when they agree).
func (l *listedSet) idMismatch(want listedMsg, hdr []byte) string {
	if got := headerMessageID(hdr); l.hash(got) != want.id {
		return fmt.Sprintf("Message-ID <%s> differs from the listed one", got)
	}
	return ""
}

// headerOf returns the header block of a spooled body, and whether it is
// whole: the block ends within the first 256 KiB, or the body does.
func headerOf(sp *spooled) ([]byte, bool) {
	buf := make([]byte, min(sp.size, 256<<10))
	n, _ := io.ReadFull(sp.reader(), buf)
	buf = buf[:n]
	if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
		return buf[:i+2], true
	}
	if i := bytes.Index(buf, []byte("\n\n")); i >= 0 {
		return buf[:i+1], true
	}
	return buf, int64(n) == sp.size
}

// panicked turns a panic recovered on one of the mailbox's own goroutines
// (a listing's or a body fetch's producer) into that mailbox's failure: a
// panic there would otherwise end the process (with Go's exit code 2).
func (m *Mailbox) panicked(r any) error {
	return store.Errorf(store.ScopeMailbox, false, "fetch", m.name, 0,
		"internal error (a bug; please report it): panic: %v", r)
}

// verifyStream checks a body about to be streamed to the caller against
// what the listing said of its UID, before the caller sees a byte: its
// announced size (refused above twice the listed size plus bodySlack, or
// MaxMessageSize, without being read), its RFC822.SIZE when it came first,
// and the Message-ID of its header block, which is read ahead (at most
// 256 KiB). It returns the reader to hand over: the header read ahead,
// then the rest.
func (m *Mailbox) verifyStream(info imapclient.BodyInfo, r io.Reader) (io.Reader, error) {
	uid := store.UID(info.UID)
	want, ok := m.listed.get(uid)
	bound := m.s.opts.MaxMessageSize
	if ok {
		bound = min(2*want.size+bodySlack, bound)
	}
	if err := checkLiteral(info, bound); err != nil || !ok {
		return r, err
	}
	if info.ListedSize >= 0 && info.ListedSize != want.size {
		return nil, m.mismatchErr(uid, fmt.Sprintf("RFC822.SIZE %d, listed as %d", info.ListedSize, want.size))
	}
	if want.id == 0 {
		return r, nil
	}
	head, whole, err := readHeader(r, info.Size)
	if err != nil {
		return nil, err
	}
	if why := m.listed.idMismatch(want, head); whole && why != "" {
		return nil, m.mismatchErr(uid, why)
	}
	return io.MultiReader(bytes.NewReader(head), r), nil
}

// mismatchErr fails the mailbox for a body that is not the listed
// message: nothing is stored, and the next run fetches again.
func (m *Mailbox) mismatchErr(uid store.UID, why string) error {
	return store.Errorf(store.ScopeMailbox, true, "fetch", m.name, uid,
		"the body the server sent as UID %d does not match the listed message (%s): not stored", uid, why)
}

// readHeader reads r up to the end of the header block (a blank line),
// at most 256 KiB and size bytes; whole reports whether the block ended
// within what was read.
func readHeader(r io.Reader, size int64) ([]byte, bool, error) {
	buf := make([]byte, 0, 4<<10)
	limit := min(size, 256<<10)
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit)])
		buf = buf[:len(buf)+n]
		if bytes.Contains(buf, []byte("\r\n\r\n")) || bytes.Contains(buf, []byte("\n\n")) {
			return buf, true, nil
		}
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, int64(len(buf)) == size, nil
}
