package maildir

import (
	"strconv"
	"strings"
)

// Name is a parsed Maildir file name:
//
//	unique[,KEY=value...][:info]
//
// Unique identifies the message for its whole life in a folder; the
// ",KEY=value" fields are extensions other programs add (Dovecot ",S=size"
// and ",W=virtual size", mbsync ",U=uid", OfflineIMAP ",U=uid,FMD5=md5 of
// the folder name"); info is "2," followed by flag letters
// (https://cr.yp.to/proto/maildir.html). Name keeps every part verbatim so
// that String returns exactly the parsed name until a part is changed.
// Parsing never allocates: the parts are substrings of the input.
type Name struct {
	// Unique is the part before the first ',' or ':'.
	Unique string
	// Extra is the raw field list including its leading comma (e.g.
	// ",S=1234,W=1260"), or "".
	Extra string
	// Info is the part after the ':' (e.g. "2,FS"), meaningful when
	// HasInfo is true.
	Info string
	// HasInfo reports whether the name has a ':' info suffix (files in new/
	// usually have none).
	HasInfo bool
}

// ParseName splits a file name into its parts. Every string parses; a name
// without ',' or ':' is all Unique.
func ParseName(s string) Name {
	var n Name
	head := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		head, n.Info, n.HasInfo = s[:i], s[i+1:], true
	}
	n.Unique = head
	if i := strings.IndexByte(head, ','); i >= 0 {
		n.Unique, n.Extra = head[:i], head[i:]
	}
	return n
}

// String returns the file name.
func (n Name) String() string {
	if !n.HasInfo {
		return n.Unique + n.Extra
	}
	return n.Unique + n.Extra + ":" + n.Info
}

// Flags returns the flag letters of a "2," info suffix; the empty set when
// there is no info or it uses another (experimental) semantics.
func (n Name) Flags() Flags {
	if !n.HasInfo || !strings.HasPrefix(n.Info, "2,") {
		return Flags{}
	}
	return ParseFlags(n.Info[2:])
}

// WithFlags returns the name with its info replaced by "2," and the letters
// of f in ASCII order. Unique and the extra fields are kept.
func (n Name) WithFlags(f Flags) Name {
	n.Info, n.HasInfo = "2,"+f.String(), true
	return n
}

// Field returns the value of the extra field KEY (e.g. "S" for ",S=1234")
// and whether it is present. Keys compare case-sensitively.
func (n Name) Field(key string) (string, bool) {
	rest := n.Extra
	for rest != "" {
		rest = rest[1:] // the comma
		part := rest
		if i := strings.IndexByte(rest, ','); i >= 0 {
			part, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// WithField returns the name with extra field KEY set to value: replaced in
// place when present, appended otherwise. Other fields keep their order.
func (n Name) WithField(key, value string) Name {
	n.Extra = editFields(n.Extra, key, ","+key+"="+value)
	return n
}

// WithoutField returns the name with every extra field KEY removed.
func (n Name) WithoutField(key string) Name {
	n.Extra = editFields(n.Extra, key, "")
	return n
}

// editFields rewrites extra: the first field named key becomes repl (which
// includes its comma, or is "" to delete), later ones are dropped; repl is
// appended when key is absent.
func editFields(extra, key, repl string) string {
	var b strings.Builder
	done := false
	rest := extra
	for rest != "" {
		part := rest
		if i := strings.IndexByte(rest[1:], ','); i >= 0 {
			part, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		k, _, _ := strings.Cut(part[1:], "=")
		if k != key {
			b.WriteString(part)
			continue
		}
		if !done {
			b.WriteString(repl)
			done = true
		}
	}
	if !done {
		b.WriteString(repl)
	}
	return b.String()
}

// Size returns the message size in bytes recorded in a ",S=" field (Dovecot
// writes it; so does [Folder.Deliver] when asked), so a scan need not stat.
func (n Name) Size() (int64, bool) { return n.sizeField("S") }

// VirtualSize returns Dovecot's ",W=" field: the size with CRLF line
// endings, which is what IMAP reports as RFC822.SIZE.
func (n Name) VirtualSize() (int64, bool) { return n.sizeField("W") }

// sizeField reads a non-negative byte count from extra field key.
func (n Name) sizeField(key string) (int64, bool) {
	v, ok := n.Field(key)
	if !ok {
		return 0, false
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s < 0 {
		return 0, false
	}
	return s, true
}

// UID returns the ",U=" field that mbsync and OfflineIMAP write (an IMAP
// UID, RFC 9051 §2.3.1.1); imapdir itself keeps UIDs in its state database.
func (n Name) UID() (uint32, bool) {
	v, ok := n.Field("U")
	if !ok {
		return 0, false
	}
	u, err := strconv.ParseUint(v, 10, 32)
	if err != nil || u == 0 {
		return 0, false
	}
	return uint32(u), true
}
