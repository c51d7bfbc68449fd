package imapwire

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/imapdir/imapdir/imap"
)

// readValues appends space-separated values to *out until the end of the
// response (depth 0), a ")" (depth > 0) or, in a response code, a "]".
// Quirk: a trailing space before CRLF is accepted (e.g. "* SEARCH \r\n" from
// servers that print an empty result with its separator).
func (d *Decoder) readValues(out *[]imap.Value, depth int, inCode bool) error {
	for i := 0; ; i++ {
		sp := d.skipSP()
		if d.atEnd(depth, inCode) {
			return nil
		}
		// RFC 9051 §9: body-type-mpart, address lists and namespaces put
		// lists next to each other without SP ("(...)(...)").
		adjacent := d.line[d.pos] == '(' && d.lastConst == ")"
		if i > 0 && !sp && !adjacent && depth > 0 {
			return d.syntax(fmt.Sprintf("expected SP or \")\" after %q", d.lastText()))
		}
		if i > 0 && !sp && !adjacent {
			return d.syntax(fmt.Sprintf("expected SP after %q", d.lastText()))
		}
		if err := d.charge(valueCost, "value"); err != nil {
			return err
		}
		item := d.itemFor(out, depth, i)
		v, err := d.readValue(depth, inCode, item)
		if err != nil {
			return err
		}
		*out = append(*out, v)
		d.noteItem(item, v)
	}
}

// noteItem remembers the UID and RFC822.SIZE of the FETCH response being
// read, for the LiteralInfo of a body literal that follows them.
func (d *Decoder) noteItem(item string, v imap.Value) {
	if item == "" {
		return
	}
	n, ok := imap.AsNumber(v)
	if !ok {
		return
	}
	switch strings.ToUpper(item) {
	case "UID":
		d.uid = uint32(min(n, math.MaxUint32))
	case "RFC822.SIZE":
		d.size = int64(min(n, math.MaxInt64))
	}
}

// atEnd reports whether the current list or line ends here.
func (d *Decoder) atEnd(depth int, inCode bool) bool {
	if d.pos >= len(d.line) {
		return true
	}
	c := d.line[d.pos]
	return (depth > 0 && c == ')') || (inCode && depth == 0 && c == ']')
}

// itemFor names the FETCH item whose value is the i-th element of the
// top-level FETCH list (RFC 9051 §7.5.2 msg-att: name SP value pairs).
func (d *Decoder) itemFor(out *[]imap.Value, depth, i int) string {
	if depth != 1 || d.name != "FETCH" || i%2 == 0 || i == 0 {
		return ""
	}
	if a, ok := (*out)[i-1].(imap.Atom); ok {
		return string(a)
	}
	return ""
}

// readValue reads one value (RFC 9051 §4). item is the FETCH item name when
// the value is a FETCH item's value.
func (d *Decoder) readValue(depth int, inCode bool, item string) (imap.Value, error) {
	if d.pos >= len(d.line) {
		return nil, d.syntax(fmt.Sprintf("expected a value after %q", d.lastText()))
	}
	switch c := d.line[d.pos]; {
	case c == '(':
		return d.readList(depth, inCode)
	case c == '"':
		return d.readQuoted()
	case c == '{' || (c == '~' && d.pos+1 < len(d.line) && d.line[d.pos+1] == '{'):
		if inCode {
			return nil, d.syntax("literal inside a response code")
		}
		return d.readLiteral(item)
	case isDigit(c):
		return d.readNumberOrAtom(inCode)
	default:
		return d.readAtom(inCode)
	}
}

func (d *Decoder) readList(depth int, inCode bool) (imap.Value, error) {
	if depth+1 > d.opts.MaxDepth {
		return nil, fmt.Errorf("imapwire: lists nested deeper than %d at byte %d of response line %d: %w",
			d.opts.MaxDepth, d.pos, d.lineNo, ErrLimit)
	}
	d.pos++
	d.setLast("(")
	list := make(imap.List, 0, 8)
	if err := d.readValues((*[]imap.Value)(&list), depth+1, inCode); err != nil {
		return nil, err
	}
	if d.pos >= len(d.line) || d.line[d.pos] != ')' {
		return nil, d.syntax("expected \")\" to close the list")
	}
	d.pos++
	d.setLast(")")
	return list, nil
}

// readQuoted reads a quoted string (RFC 9051 §9 quoted). Quirk: a backslash
// before a character other than '"' or '\' keeps both characters, as some
// servers do not escape backslashes in mailbox names.
func (d *Decoder) readQuoted() (imap.Value, error) {
	d.pos++
	start := d.pos
	simple := true
	for d.pos < len(d.line) {
		switch d.line[d.pos] {
		case '"':
			s := d.line[start:d.pos]
			d.pos++
			d.setLast("quoted string")
			if simple {
				return imap.Str(s), nil
			}
			return imap.Str(unquote(s)), nil
		case '\\':
			simple = false
			d.pos++
		}
		d.pos++
	}
	d.pos = start - 1
	return nil, d.syntax("unterminated quoted string")
}

func unquote(s []byte) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// readNumberOrAtom reads a token starting with a digit: a Number when it is
// all digits and fits 64 bits, else an Atom (e.g. a sequence set "1:3").
func (d *Decoder) readNumberOrAtom(inCode bool) (imap.Value, error) {
	start := d.pos
	for d.pos < len(d.line) && isDigit(d.line[d.pos]) {
		d.pos++
	}
	if d.pos == len(d.line) || !isTokenChar(d.line[d.pos], inCode) {
		d.markLast(start, d.pos)
		if n, ok := parseUint(d.line[start:d.pos]); ok {
			return imap.Number(n), nil
		}
		return imap.Atom(d.line[start:d.pos]), nil
	}
	d.pos = start
	return d.readAtom(inCode)
}

// readAtom reads an atom, a flag (`\Seen`, `\*`) or a FETCH item name with a
// section and partial ("BODY[HEADER.FIELDS (DATE)]<0>"), or NIL.
// Leniency: any byte but SP, CTL, "(", ")", "{", '"' (and "]" inside a
// response code) is accepted, since servers put "*", "%" and UTF-8 in atoms.
func (d *Decoder) readAtom(inCode bool) (imap.Value, error) {
	start := d.pos
	for d.pos < len(d.line) {
		c := d.line[d.pos]
		if c == '[' && !inCode {
			if err := d.skipSection(); err != nil {
				return nil, err
			}
			break
		}
		if !isTokenChar(c, inCode) {
			break
		}
		d.pos++
	}
	tok := d.line[start:d.pos]
	if len(tok) == 0 {
		return nil, d.syntax(fmt.Sprintf("expected a value after %q, found %q", d.lastText(), d.line[d.pos]))
	}
	d.markLast(start, d.pos)
	if len(tok) == 3 && bytes.EqualFold(tok, []byte("NIL")) {
		return imap.NIL, nil
	}
	return internAtom(tok), nil
}

// skipSection moves past "[...]" and an optional "<...>" partial
// (RFC 9051 §9 section, partial). Lists and quoted strings inside the
// section (HEADER.FIELDS (...)) are skipped as text.
func (d *Decoder) skipSection() error {
	open := d.pos
	inQuote := false
	for d.pos++; d.pos < len(d.line); d.pos++ {
		c := d.line[d.pos]
		switch {
		case inQuote && c == '\\':
			d.pos++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == ']':
			d.pos++
			return d.skipPartial()
		}
	}
	d.pos = open
	return d.syntax("expected \"]\" to close the section")
}

func (d *Decoder) skipPartial() error {
	if d.pos >= len(d.line) || d.line[d.pos] != '<' {
		return nil
	}
	open := d.pos
	for d.pos++; d.pos < len(d.line); d.pos++ {
		if d.line[d.pos] == '>' {
			d.pos++
			return nil
		}
		if !isDigit(d.line[d.pos]) && d.line[d.pos] != '.' {
			break
		}
	}
	d.pos = open
	return d.syntax("expected \">\" to close the partial")
}

// isTokenChar: bytes accepted inside a decoded atom.
func isTokenChar(c byte, inCode bool) bool {
	if c <= ' ' || c == 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '"':
		return false
	case ']':
		return !inCode
	}
	return true
}

// internAtom returns frequent atoms without allocating.
func internAtom(b []byte) imap.Value {
	switch string(b) {
	case "FETCH":
		return imap.Atom("FETCH")
	case "UID":
		return imap.Atom("UID")
	case "FLAGS":
		return imap.Atom("FLAGS")
	case "BODY[]":
		return imap.Atom("BODY[]")
	case "RFC822.SIZE":
		return imap.Atom("RFC822.SIZE")
	case "INTERNALDATE":
		return imap.Atom("INTERNALDATE")
	case "MODSEQ":
		return imap.Atom("MODSEQ")
	case `\Seen`:
		return imap.Atom(`\Seen`)
	case `\Answered`:
		return imap.Atom(`\Answered`)
	case `\Flagged`:
		return imap.Atom(`\Flagged`)
	case `\Deleted`:
		return imap.Atom(`\Deleted`)
	case `\Draft`:
		return imap.Atom(`\Draft`)
	case `\Recent`:
		return imap.Atom(`\Recent`)
	case "EXISTS":
		return imap.Atom("EXISTS")
	case "EXPUNGE":
		return imap.Atom("EXPUNGE")
	case "LIST":
		return imap.Atom("LIST")
	}
	return imap.Atom(b)
}

// parseUint parses a decimal number of up to 19 digits (fits uint64).
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
