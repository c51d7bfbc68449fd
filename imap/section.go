package imap

import (
	"fmt"
	"strconv"
	"strings"
)

// BodySection is a body item of a FETCH response: BODY[section]<origin>,
// BINARY[part]<origin> (RFC 3516), or the RFC822, RFC822.HEADER and
// RFC822.TEXT items of RFC 3501, which are reported as BODY[], BODY[HEADER]
// and BODY[TEXT].
type BodySection struct {
	Binary    bool     // BINARY[...]: content transfer decoding was done
	Part      []int    // section-part, e.g. [1 2] for "1.2"; empty for the whole message
	Specifier string   // "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT" or "MIME"
	Fields    []string // header field names of HEADER.FIELDS[.NOT], upper-cased
	Partial   bool     // an origin "<n>" was given
	Origin    uint64   // offset of the first byte returned

	// Value is what the decoder put in the tree: an Str when the literal
	// (or quoted string) was buffered, an imap.Streamed placeholder (or the
	// LiteralFunc's value) when it was streamed, or NIL.
	Value Value
}

// Spec returns the item name without origin, e.g. "BODY[1.HEADER]",
// "BINARY[2]", "BODY[HEADER.FIELDS (FROM TO)]".
func (s *BodySection) Spec() string {
	var b strings.Builder
	if s.Binary {
		b.WriteString("BINARY[")
	} else {
		b.WriteString("BODY[")
	}
	for i, p := range s.Part {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(p))
	}
	if s.Specifier != "" {
		if len(s.Part) > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Specifier)
	}
	if len(s.Fields) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(s.Fields, " "))
		b.WriteByte(')')
	}
	b.WriteByte(']')
	return b.String()
}

// Text returns the content when it was buffered (an Str), and whether it was.
func (s *BodySection) Text() (string, bool) {
	t, ok := s.Value.(Str)
	return string(t), ok
}

// ParseSection parses a FETCH body item name such as "BODY[1.2.HEADER]<0>",
// "BODY.PEEK[HEADER.FIELDS (From To)]", "BINARY[3]" or "RFC822.HEADER"
// (RFC 9051 §9 section, partial; RFC 3516).
func ParseSection(name string) (BodySection, error) {
	up := strings.ToUpper(name)
	switch up {
	case "RFC822":
		return BodySection{}, nil
	case "RFC822.HEADER":
		return BodySection{Specifier: "HEADER"}, nil
	case "RFC822.TEXT":
		return BodySection{Specifier: "TEXT"}, nil
	}
	var s BodySection
	open := strings.IndexByte(up, '[')
	closeAt := strings.LastIndexByte(up, ']')
	if open < 0 || closeAt < open {
		return s, fmt.Errorf("imap: %q is not a body section", name)
	}
	switch strings.TrimSuffix(up[:open], ".PEEK") {
	case "BODY":
	case "BINARY":
		s.Binary = true
	default:
		return s, fmt.Errorf("imap: %q is not a body section", name)
	}
	if err := s.parseSpec(up[open+1 : closeAt]); err != nil {
		return s, fmt.Errorf("imap: section %q: %w", name, err)
	}
	return s, s.parseOrigin(up[closeAt+1:])
}

// parseSpec parses the text between the brackets.
func (s *BodySection) parseSpec(spec string) error {
	rest := spec
	for rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		num, tail, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 {
			return fmt.Errorf("bad part number %q", num)
		}
		s.Part = append(s.Part, n)
		rest = tail
	}
	text, fields, hasFields := strings.Cut(rest, " ")
	switch strings.TrimSpace(text) {
	case "", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT":
		s.Specifier = strings.TrimSpace(text)
	default:
		return fmt.Errorf("unknown section text %q", text)
	}
	if hasFields {
		f := strings.Trim(strings.TrimSpace(fields), "()")
		for _, name := range strings.Fields(f) {
			s.Fields = append(s.Fields, strings.Trim(name, `"`))
		}
	}
	return nil
}

func (s *BodySection) parseOrigin(tail string) error {
	if tail == "" {
		return nil
	}
	if len(tail) < 3 || tail[0] != '<' || tail[len(tail)-1] != '>' {
		return fmt.Errorf("imap: bad partial %q", tail)
	}
	n, err := strconv.ParseUint(tail[1:len(tail)-1], 10, 64)
	if err != nil {
		return fmt.Errorf("imap: bad partial %q", tail)
	}
	s.Partial, s.Origin = true, n
	return nil
}
