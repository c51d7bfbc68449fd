package memstore

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imapdir/imapdir/store"
)

const inbox = "INBOX"

// box is one mailbox's data. Guarded by Store.mu.
type box struct {
	name       string
	id         string
	specialUse string
	noSelect   bool // a placeholder parent left by deleting a mailbox with children
	deleted    bool // removed from the store; open handles fail
	readOnly   bool
	floor      store.ModSeq // changes at or below it are forgotten
	validity   uint32
	uidNext    store.UID
	modseq     store.ModSeq // highest modseq handed out
	msgs       []*message   // ascending UID
	gone       []tombstone  // ascending modseq
}

// message is one stored message. body is never modified once stored, so
// readers over it may be handed out.
type message struct {
	uid      store.UID
	flags    store.Flags
	labels   []string
	body     []byte
	date     time.Time
	msgID    string
	hdrHash  string // header hash of a message without Message-ID
	emailID  string
	threadID string
	modseq   store.ModSeq
	durable  bool // false from Append until Flush: Crash drops it
	origin   *store.Origin
}

// tombstone records a UID that left the mailbox, for Changes.
type tombstone struct {
	uid     store.UID
	modseq  store.ModSeq
	moved   bool
	dest    string
	destUID store.UID
}

// newBox makes an empty mailbox with a fresh UIDVALIDITY and ID. Call with
// s.mu held (or before the store is shared).
func (s *Store) newBox(name, specialUse string) *box {
	s.validity++
	s.boxSeq++
	return &box{
		name: name, specialUse: specialUse, validity: s.validity,
		id: fmt.Sprintf("F%08x", s.boxSeq), uidNext: 1,
	}
}

// index returns the position of the first message with UID >= uid.
func (b *box) index(uid store.UID) int {
	return sort.Search(len(b.msgs), func(i int) bool { return b.msgs[i].uid >= uid })
}

// find returns the message with uid, or nil.
func (b *box) find(uid store.UID) *message {
	i := b.index(uid)
	if i < len(b.msgs) && b.msgs[i].uid == uid {
		return b.msgs[i]
	}
	return nil
}

// bump advances and returns the mailbox's modseq.
func (b *box) bump() store.ModSeq {
	b.modseq++
	return b.modseq
}

// add appends m with the next UID and modseq and returns the UID.
func (b *box) add(m *message) store.UID {
	m.uid = b.uidNext
	b.uidNext++
	m.modseq = b.bump()
	b.msgs = append(b.msgs, m)
	return m.uid
}

// top returns the highest UID in use: of a message, or of a tombstone.
func (b *box) top() store.UID {
	var u store.UID
	if len(b.msgs) > 0 {
		u = b.msgs[len(b.msgs)-1].uid
	}
	for _, t := range b.gone {
		u = max(u, t.uid)
	}
	return u
}

// remove takes out the messages whose UIDs are in uids, recording
// tombstones (dests names the destination of moved ones), and returns how
// many were removed.
func (b *box) remove(uids map[store.UID]bool, dests map[store.UID]tombstone) int {
	if len(uids) == 0 {
		return 0
	}
	var ms store.ModSeq
	kept := b.msgs[:0]
	n := 0
	for _, m := range b.msgs {
		if !uids[m.uid] {
			kept = append(kept, m)
			continue
		}
		if ms == 0 {
			ms = b.bump()
		}
		t := dests[m.uid]
		t.uid, t.modseq = m.uid, ms
		b.gone = append(b.gone, t)
		n++
	}
	clear(b.msgs[len(kept):])
	b.msgs = kept
	return n
}

// setFlags applies add and remove to m, advancing its modseq when the set
// changed.
func (b *box) setFlags(m *message, add, remove store.Flags) {
	nf := m.flags.Union(add).Minus(remove)
	if nf.Equal(m.flags) {
		return
	}
	m.flags = nf
	m.modseq = b.bump()
}

// normName checks a neutral mailbox name and returns its canonical form
// ("INBOX" in capitals, also as a parent).
func normName(op, name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", store.Errorf(store.ScopeMailbox, false, op, name, 0, "memstore: bad mailbox name: %s", why)
	}
	switch {
	case name == "":
		return bad("empty")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.ContainsAny(name, "\x00\r\n"):
		return bad("control character")
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" {
			return bad("empty hierarchy level")
		}
	}
	if strings.EqualFold(name, inbox) {
		return inbox, nil
	}
	if len(name) > len(inbox) && strings.EqualFold(name[:len(inbox)+1], inbox+"/") {
		return inbox + name[len(inbox):], nil
	}
	return name, nil
}

// parents returns the ancestors of name, outermost first.
func parents(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			out = append(out, name[:i])
		}
	}
	return out
}

// hasChildren reports whether some mailbox lies below name. Call with s.mu
// held.
func (s *Store) hasChildren(name string) bool {
	prefix := name + "/"
	for n := range s.boxes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
