package imapstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// search returns the UIDs of set present in the mailbox: UID SEARCH RETURN
// (ALL) UID set with ESEARCH (RFC 4731 §3.1: one compact set), else UID
// SEARCH UID set (RFC 9051 §6.4.4).
func (m *Mailbox) search(ctx context.Context, set imap.UIDSet) (imap.UIDSet, error) {
	return m.searchKeys(ctx, imap.Atom("UID"), set)
}

// searchKeys runs UID SEARCH with keys and returns the matching UIDs.
func (m *Mailbox) searchKeys(ctx context.Context, keys ...imap.Value) (imap.UIDSet, error) {
	args := []imap.Value{imap.Atom("UID"), imap.Atom("SEARCH")}
	if m.s.caps.esearch {
		args = append(args, imap.Atom("RETURN"), imap.List{imap.Atom("ALL")})
	}
	res, err := m.command(ctx, append(args, keys...)...)
	if err != nil {
		return imap.UIDSet{}, err
	}
	var out imap.UIDSet
	for _, r := range res.Untagged {
		if n := r.Name(); n != "SEARCH" && n != "ESEARCH" {
			continue
		}
		sd, err := imap.ParseSearch(r, true)
		if err != nil {
			return imap.UIDSet{}, protoErr("%s: %w", r.Name(), err)
		}
		if sd.Tag == "" || sd.Tag == res.Tagged.Tag {
			out.AddSet(sd.UIDs)
		}
	}
	return out, nil
}

// Find searches with UID SEARCH (HEADER Message-ID, LARGER and SMALLER for
// the size, UID for MinUID; RFC 9051 §6.4.4), fetches the candidates'
// metadata and keeps exact matches: HEADER is a substring search, and the
// INTERNALDATE is compared to the second here (SEARCH ON compares days in
// the server's time zone).
func (m *Mailbox) Find(ctx context.Context, q store.Query) ([]store.Message, error) {
	if err := m.begin(ctx, "find"); err != nil {
		return nil, err
	}
	if q.MessageID == "" && q.Size <= 0 {
		return nil, store.Errorf(store.ScopeMessage, false, "find", m.name, 0, "imapstore: a query needs a Message-ID or a size")
	}
	q.MessageID = store.NormalizeMessageID(q.MessageID)
	if err := m.sync(ctx); err != nil {
		return nil, m.done("find", 0, err)
	}
	found, err := m.searchKeys(ctx, findKeys(q)...)
	if err != nil {
		return nil, m.done("find", 0, err)
	}
	if found.IsEmpty() {
		return nil, nil
	}
	res, err := m.cn.c.UIDFetch(ctx, found, m.s.metaItems(true), nil)
	if err != nil {
		return nil, m.done("find", 0, err)
	}
	var out []store.Message
	for _, fd := range res.Messages {
		msg := m.s.toMessage(fd)
		if fd.HasSize && matches(msg, q) {
			out = append(out, msg)
		}
	}
	slices.SortFunc(out, func(a, b store.Message) int { return cmp.Compare(a.UID, b.UID) })
	return slices.CompactFunc(out, func(a, b store.Message) bool { return a.UID == b.UID }), nil
}

// findKeys returns the search keys of q.
func findKeys(q store.Query) []imap.Value {
	var keys []imap.Value
	if q.MessageID != "" {
		keys = append(keys, imap.Atom("HEADER"), imap.AStr("Message-ID"), imap.Str(q.MessageID))
	}
	if q.Size > 0 {
		// Courier-IMAP 5 compares LARGER and SMALLER with the size of its
		// Maildir file (LF line ends), below RFC822.SIZE by one byte per
		// line, so the window reaches down to half the size (a message of
		// empty lines); matches then compares the listed size exactly.
		keys = append(keys, imap.Atom("LARGER"), imap.Num(uint64(q.Size/2)), imap.Atom("SMALLER"), imap.Num(uint64(q.Size+1)))
	}
	if q.MinUID > 1 {
		keys = append(keys, imap.Atom("UID"), imap.UIDRangeSet(imap.UID(q.MinUID), 0))
	}
	return keys
}

// matches checks a candidate exactly.
func matches(msg store.Message, q store.Query) bool {
	switch {
	case q.MessageID != "" && msg.MessageID != q.MessageID:
		return false
	case q.Size > 0 && msg.Size != q.Size:
		return false
	case msg.UID < q.MinUID:
		return false
	case !q.InternalDate.IsZero() && msg.InternalDate.Unix() != q.InternalDate.Unix():
		return false
	}
	return true
}

// uidList formats UIDs for error messages.
func uidList(uids []store.UID) string {
	if len(uids) > 5 {
		return fmt.Sprintf("%v … (%d UIDs)", uids[:5], len(uids))
	}
	return fmt.Sprint(uids)
}
