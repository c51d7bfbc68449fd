package mailmsg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MessageID returns the normalized Message-ID (see NormalizeMessageID) of
// the first Message-ID field (when a message has several, the first
// wins), or "" when there is none or it is empty.
func (h *Header) MessageID() string {
	f, ok := h.Get("Message-ID")
	if !ok {
		return ""
	}
	return NormalizeMessageID(f.Value())
}

// NormalizeMessageID turns a Message-ID value (RFC 5322 §3.6.4), as found
// in a message or in an IMAP ENVELOPE (RFC 9051 §7.5.2), into the form
// used to compare message identities: "<left@right>", or "" when there is
// nothing usable. It is lenient, because real ids are often malformed:
// line breaks and comments are removed; the first "<...>" is taken (to
// the end if '>' is missing); without angle brackets the first word is
// taken; white space inside is removed (obsolete syntax allows it
// between the parts). Both sides of a comparison must use this function.
func NormalizeMessageID(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, v)
	}
	v = stripComments(v)
	var id string
	if i := strings.IndexByte(v, '<'); i >= 0 {
		id = v[i+1:]
		if j := strings.IndexByte(id, '>'); j >= 0 {
			id = id[:j]
		}
	} else if fs := strings.Fields(v); len(fs) > 0 {
		id = fs[0]
	}
	id = strings.Join(strings.Fields(id), "")
	if id == "" {
		return ""
	}
	return "<" + id + ">"
}

// volatileFields are header fields that mail tools add or change on one
// copy of a message but not the other; HeaderHash leaves them out.
var volatileFields = map[string]bool{
	"x-keywords": true, "x-label": true, "x-labels": true, "status": true, "x-status": true,
	"x-tuid": true, "x-uid": true, "x-imap": true, "x-imapbase": true, "content-length": true,
	"lines": true, "x-mozilla-status": true, "x-mozilla-status2": true, "x-mozilla-keys": true,
}

// HeaderHash returns a hex SHA-256 of the header block, for re-pairing
// messages without a usable Message-ID. It is the same for a message on
// an IMAP server (CRLF) and in a Maildir (LF, maybe with X-Keywords or
// Status added): line endings do not count (a CR before LF is dropped, a
// missing final line ending is supplied), field names are lower-cased,
// the separator is left out, and so are fields that local tools add or
// change (X-Keywords, X-Label(s), Status, X-Status, X-TUID, X-UID,
// X-IMAP, X-IMAPbase, Content-Length, Lines, X-Mozilla-*, an mbox
// "From " line). Everything else
// counts byte for byte, folding included. To hash an IMAP
// BODY[HEADER], parse it with ReadHeader first.
func HeaderHash(h *Header) string {
	sum := sha256.New()
	for _, f := range h.fields {
		name := strings.ToLower(f.name)
		if volatileFields[name] || name == "" { // "" is an mbox postmark
			continue
		}
		v := bytes.ReplaceAll(f.RawValue(), []byte("\r\n"), []byte("\n"))
		if len(v) == 0 || v[len(v)-1] != '\n' {
			v = append(v, '\n')
		}
		sum.Write([]byte(name))
		sum.Write([]byte{':'})
		sum.Write(v)
	}
	return hex.EncodeToString(sum.Sum(nil))
}
