package gmailsim

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// cmdFetch answers FETCH and UID FETCH (RFC 9051 §6.4.5) with Gmail's
// X-GM-MSGID, X-GM-THRID and X-GM-LABELS, and CONDSTORE's MODSEQ and
// CHANGEDSINCE (RFC 7162 §3.1.4). ENVELOPE and BODYSTRUCTURE are not
// modeled.
func (s *session) cmdFetch(uid bool, args []tok) error {
	if len(args) < 2 {
		return bad("FETCH set items")
	}
	items := expandItems(args[1])
	var since uint64
	if len(args) > 2 && args[2].isList {
		m := args[2].list
		for i := 0; i+1 < len(m); i++ {
			if m[i].isAtom("CHANGEDSINCE") {
				since, _ = strconv.ParseUint(m[i+1].atom, 10, 64)
				s.condstore = true
				items = append(items, "MODSEQ")
			}
		}
	}
	if uid {
		items = append([]string{"UID"}, items...)
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	ts, err := s.resolve(args[0].atom, uid)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if since > 0 && t.e.m.modSeq <= since {
			continue
		}
		out, err := s.fetchItems(t.e, items)
		if err != nil {
			return err
		}
		if slices.Contains(items, "FLAGS") {
			a.stats.FlagFetches++
		}
		s.line("* %d FETCH (%s)", t.seq, out)
	}
	s.updatesLocked(uid)
	return nil
}

// expandItems returns the item names, upper-cased, with the macros ALL,
// FAST and FULL expanded.
func expandItems(t tok) []string {
	var names []string
	if t.isList {
		for _, x := range t.list {
			names = append(names, x.atom)
		}
	} else {
		names = []string{t.atom}
	}
	var out []string
	for _, n := range names {
		switch u := strings.ToUpper(n); u {
		case "ALL":
			out = append(out, "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE")
		case "FAST":
			out = append(out, "FLAGS", "INTERNALDATE", "RFC822.SIZE")
		case "FULL":
			out = append(out, "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY")
		default:
			out = append(out, sectionUpper(n))
		}
	}
	return out
}

// sectionUpper upper-cases an item name but not the header field names
// inside HEADER.FIELDS (...), which are echoed back as sent.
func sectionUpper(n string) string {
	i := strings.IndexByte(n, '(')
	if i < 0 {
		return strings.ToUpper(n)
	}
	return strings.ToUpper(n[:i]) + n[i:]
}

func (s *session) fetchItems(e *entry, items []string) (string, error) {
	var parts []string
	seen := map[string]bool{}
	setSeen := false
	for _, it := range items {
		if seen[it] {
			continue
		}
		seen[it] = true
		m := e.m
		switch it {
		case "UID":
			parts = append(parts, fmt.Sprintf("UID %d", e.uid))
		case "FLAGS":
			parts = append(parts, fmt.Sprintf("FLAGS (%s)", strings.Join(m.flagList(e), " ")))
		case "INTERNALDATE":
			parts = append(parts, fmt.Sprintf("INTERNALDATE %q", m.date.Format("02-Jan-2006 15:04:05 -0700")))
		case "RFC822.SIZE":
			parts = append(parts, fmt.Sprintf("RFC822.SIZE %d", len(m.body)))
		case "MODSEQ":
			s.condstore = true
			parts = append(parts, fmt.Sprintf("MODSEQ (%d)", m.modSeq))
		case "X-GM-MSGID":
			parts = append(parts, fmt.Sprintf("X-GM-MSGID %d", m.msgID))
		case "X-GM-THRID":
			parts = append(parts, fmt.Sprintf("X-GM-THRID %d", m.thrID))
		case "X-GM-LABELS":
			parts = append(parts, "X-GM-LABELS ("+s.labelsText(m)+")")
		default:
			name, data, peek, err := section(it, m.body)
			if err != nil {
				return "", err
			}
			if full := name == "BODY[]" || name == "RFC822" || name == "BODY[TEXT]" || name == "RFC822.TEXT"; full {
				s.acct.stats.BodyFetches++
				s.acct.stats.BodyBytes += int64(len(data))
				s.acct.downloads[m.msgID]++
			}
			parts = append(parts, fmt.Sprintf("%s {%d}\r\n%s", name, len(data), data))
			setSeen = setSeen || !peek
		}
	}
	if setSeen && !s.sel.readOnly && !e.m.flags[`\Seen`] {
		e.m.flags[`\Seen`] = true
		s.acct.touch(e.m)
		if !seen["FLAGS"] {
			parts = append(parts, fmt.Sprintf("FLAGS (%s)", strings.Join(e.m.flagList(e), " ")))
		}
	}
	return strings.Join(parts, " "), nil
}

func (s *session) labelsText(m *message) string {
	ls := m.labelList()
	for i, l := range ls {
		ls[i] = labelAtom(s.outName(l))
	}
	return strings.Join(ls, " ")
}

// section returns the response item name and data of a body item:
// BODY[...] and BODY.PEEK[...] with "", HEADER, TEXT, HEADER.FIELDS (...),
// HEADER.FIELDS.NOT (...) and a partial <o.n>; RFC822, RFC822.HEADER,
// RFC822.TEXT. peek is false when the fetch sets \Seen.
func section(item string, body []byte) (name string, data []byte, peek bool, err error) {
	switch item {
	case "RFC822":
		return item, body, false, nil
	case "RFC822.HEADER":
		h, _ := split(body)
		return item, h, true, nil
	case "RFC822.TEXT":
		_, t := split(body)
		return item, t, false, nil
	}
	rest, isBody := strings.CutPrefix(item, "BODY[")
	if !isBody {
		if rest, peek = strings.CutPrefix(item, "BODY.PEEK["); !peek {
			return "", nil, false, bad("unknown or unmodeled FETCH item %s", item)
		}
	}
	spec, partial, ok := strings.Cut(rest, "]")
	if !ok {
		return "", nil, false, bad("bad section %s", item)
	}
	h, t := split(body)
	switch u := strings.ToUpper(spec); {
	case u == "":
		data = body
	case u == "HEADER":
		data = h
	case u == "TEXT":
		data = t
	case strings.HasPrefix(u, "HEADER.FIELDS"):
		data = headerFields(h, spec)
	default:
		return "", nil, false, bad("section %s not modeled", spec)
	}
	name = "BODY[" + spec + "]"
	if partial != "" {
		var off, n int
		if _, err := fmt.Sscanf(partial, "<%d.%d>", &off, &n); err != nil || off < 0 || n < 0 {
			return "", nil, false, bad("bad partial %s", partial)
		}
		off = min(off, len(data))
		data = data[off:min(off+n, len(data))]
		name += fmt.Sprintf("<%d>", off)
	}
	return name, data, peek, nil
}

// split returns the header (with its blank line) and the text of body.
func split(body []byte) (header, text []byte) {
	if i := bytes.Index(body, []byte("\r\n\r\n")); i >= 0 {
		return body[:i+4], body[i+4:]
	}
	return body, nil
}

// headerFields keeps (HEADER.FIELDS) or drops (HEADER.FIELDS.NOT) the
// named fields, continuation lines included, and ends with CRLF.
func headerFields(h []byte, spec string) []byte {
	not := strings.HasPrefix(strings.ToUpper(spec), "HEADER.FIELDS.NOT")
	open, close := strings.IndexByte(spec, '('), strings.IndexByte(spec, ')')
	want := map[string]bool{}
	if open >= 0 && close > open {
		for _, f := range strings.Fields(spec[open+1 : close]) {
			want[strings.ToLower(strings.Trim(f, `"`))] = true
		}
	}
	var out bytes.Buffer
	keep := false
	for _, line := range bytes.SplitAfter(h, []byte("\r\n")) {
		if len(line) == 0 || string(line) == "\r\n" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			keep = want[strings.ToLower(string(bytes.TrimSpace(name)))] != not
		}
		if keep {
			out.Write(line)
		}
	}
	out.WriteString("\r\n")
	return out.Bytes()
}
