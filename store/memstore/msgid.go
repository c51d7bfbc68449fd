package memstore

import (
	"bytes"
	"strings"
)

// parseMessageID returns the first Message-ID header's value of an RFC 5322
// message (§3.6.4), without angle brackets, or "" when there is none. It
// reads only the header block (up to the first empty line), unfolds
// continuation lines (§2.2.3) and accepts CRLF or LF line ends.
func parseMessageID(msg []byte) string {
	var val []byte
	found := false
	for len(msg) > 0 {
		line, rest, _ := bytes.Cut(msg, []byte("\n"))
		msg = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if found {
				val = append(append(val, ' '), line...)
			}
			continue
		}
		if found {
			break
		}
		name, v, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(bytes.TrimSpace(name)), "Message-ID") {
			found = true
			val = append(val, v...)
		}
	}
	return cleanMessageID(string(val))
}

// cleanMessageID reduces a Message-ID header value or query to the bare
// id: the text between the first "<" and the following ">", else the
// first word without brackets.
func cleanMessageID(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], "<>")
}
