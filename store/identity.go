package store

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/imapdir/imapdir/mailmsg"
)

// Identity is what makes two copies of a message — on the two sides, or
// on one side before and after a renumbering (UIDVALIDITY change, a file
// given a new name, an interrupted copy) — the same message. It is the
// engine's only definition of "the same message": adopting a message found
// on both sides, finding an interrupted copy, re-pairing after a
// UIDVALIDITY change and re-pairing restored files all compare Identities.
//
// The key is the Message-ID as normalised by NormalizeMessageID; a message
// without a usable Message-ID is known by the hash of its header block
// (mailmsg.HeaderHash, Message.HeaderHash). A message with neither has no
// identity and is never matched to another (it is copied, never guessed).
// Two messages are the same when their keys and sizes are equal (Same);
// Like relaxes the size, for a search limited to messages that arrived
// after a copy was started (a server may store a message with another
// size than it was sent with).
type Identity struct {
	// Key is "id " + normalised Message-ID, or "hh " + header hash; ""
	// when the message has neither.
	Key string
	// Size is the wire size; 0 when unknown.
	Size int64
}

// IdentityOf returns the identity of m (its MessageID and HeaderHash as
// the store listed them, its Size).
func IdentityOf(m Message) Identity {
	return identity(m.MessageID, m.HeaderHash, m.Size)
}

// identity builds an Identity from its parts.
func identity(messageID, headerHash string, size int64) Identity {
	if id := NormalizeMessageID(messageID); id != "" {
		return Identity{Key: "id " + id, Size: size}
	}
	if headerHash != "" {
		return Identity{Key: "hh " + headerHash, Size: size}
	}
	return Identity{Size: size}
}

// MakeIdentity returns the identity of a message known by its recorded
// Message-ID, header hash and size (a pair or an intent of the state).
func MakeIdentity(messageID, headerHash string, size int64) Identity {
	return identity(messageID, headerHash, size)
}

// Known reports whether the identity can match anything.
func (id Identity) Known() bool { return id.Key != "" }

// Same reports whether id and o name the same message: same key, same
// size. An unknown identity is the same as nothing.
func (id Identity) Same(o Identity) bool { return id.Known() && id == o }

// Like reports whether id and o carry the same key, whatever their sizes.
func (id Identity) Like(o Identity) bool { return id.Known() && id.Key == o.Key }

// NormalizeMessageID returns the Message-ID value v (a header field's
// value, an ENVELOPE's, or a bare id) in the form store.Message.MessageID
// holds: normalised by mailmsg.NormalizeMessageID — the one normaliser of
// the project — without its angle brackets; "" when nothing is usable.
func NormalizeMessageID(v string) string {
	id := mailmsg.NormalizeMessageID(v)
	return strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
}

// maxHeaderBytes bounds the header block read to identify a message.
const maxHeaderBytes = 1 << 20

// HeaderIdentity reads the header block of a message body (wire or LF
// form) and returns its normalised Message-ID and, when it has none, its
// header hash: what a store fills in Message.MessageID and
// Message.HeaderHash when asked WithMessageID.
func HeaderIdentity(r io.Reader) (messageID, headerHash string) {
	h, err := mailmsg.ReadHeaderLimit(bufio.NewReader(r), maxHeaderBytes)
	if h == nil || (err != nil && len(h.Fields()) == 0) {
		return "", ""
	}
	if id := NormalizeMessageID(h.MessageID()); id != "" {
		return id, ""
	}
	return "", mailmsg.HeaderHash(h)
}

// HeaderIdentityBytes is HeaderIdentity over a body in memory.
func HeaderIdentityBytes(body []byte) (messageID, headerHash string) {
	return HeaderIdentity(bytes.NewReader(body))
}
