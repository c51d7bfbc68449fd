package imap

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is one node of the generic IMAP data tree (RFC 9051 §4): any
// response can be read as a list of Values, and any command can be built
// from them. The concrete types are Atom, Number, Str, AStr, Nil, List, Raw,
// Mailbox, Flag, UID, SeqNum, UIDSet, SeqSet, *LiteralArg and Streamed; the
// set is closed (the interface has an unexported method).
//
// String returns a readable form for logs and the REPL, close to the wire
// form (quoted strings are quoted; literals that are not printable on one
// line are shown as {n} followed by their content).
type Value interface {
	String() string
	isValue()
}

// Atom is an IMAP atom (RFC 9051 §4.1), written verbatim in commands; the
// encoder refuses an atom holding characters an atom cannot hold. Decoded
// FETCH item names keep their section and partial, e.g. "BODY[1.2]<0>".
type Atom string

// Number is an IMAP number (RFC 9051 §4.2); number64 for MODSEQ values.
type Number uint64

// Num returns n as a Number value.
func Num(n uint64) Number { return Number(n) }

// Str is a string (RFC 9051 §4.3). In commands the encoder writes it as a
// quoted string, or as a literal when it holds CR, LF or bytes a quoted
// string cannot carry. Decoded quoted strings and buffered literals are Str.
type Str string

// AStr is an astring (RFC 9051 §9): written as an atom when it is a valid
// atom other than NIL, else as a Str. Use it where the grammar says astring
// (user names, search keys), never where it says string (ID, dates).
type AStr string

// Nil is the type of NIL (RFC 9051 §4.5).
type Nil uint8

// NIL is the IMAP NIL value.
const NIL Nil = 0

// List is a parenthesized list (RFC 9051 §4.4).
type List []Value

// Raw is pre-formatted command text written exactly as given, for tokens the
// other builders cannot express, such as Raw("BODY.PEEK[HEADER.FIELDS
// (From)]"). The encoder only refuses CR, LF and NUL in it.
type Raw string

// Mailbox is a mailbox name argument (RFC 9051 §5.1): the encoder writes it
// in modified UTF-7 (RFC 3501 §5.1.3), or as UTF-8 once IMAP4rev2 or
// UTF8=ACCEPT (RFC 6855) is in effect, as an astring.
type Mailbox string

// LiteralArg is a literal streamed from R into a command (RFC 9051 §4.3,
// RFC 7888 for non-synchronizing literals, RFC 3516 literal8 when Binary).
// The encoder copies exactly Size bytes from R.
type LiteralArg struct {
	Size   int64
	R      io.Reader
	Binary bool
}

// Literal returns a literal of size bytes read from r.
func Literal(size int64, r io.Reader) *LiteralArg { return &LiteralArg{Size: size, R: r} }

// Literal8 returns a literal8 ~{size} (RFC 3516 §4.3) read from r, which may
// hold NUL bytes; the server must advertise BINARY.
func Literal8(size int64, r io.Reader) *LiteralArg {
	return &LiteralArg{Size: size, R: r, Binary: true}
}

// Streamed stands in the tree for a literal that the decoder handed to a
// callback instead of buffering it (see imapwire.LiteralFunc). Ref is
// whatever the callback wants to keep (a file name, a hash, ...).
type Streamed struct {
	Size   int64
	Binary bool
	Ref    any
}

func (Atom) isValue()        {}
func (Number) isValue()      {}
func (Str) isValue()         {}
func (AStr) isValue()        {}
func (Nil) isValue()         {}
func (List) isValue()        {}
func (Raw) isValue()         {}
func (Mailbox) isValue()     {}
func (*LiteralArg) isValue() {}
func (Streamed) isValue()    {}

// String returns the atom.
func (a Atom) String() string { return string(a) }

// String returns the decimal form.
func (n Number) String() string { return strconv.FormatUint(uint64(n), 10) }

// String returns the string quoted, or as {n} and its content when it cannot
// be shown quoted on one line.
func (s Str) String() string { return quoteReadable(string(s)) }

// String returns the astring as an atom when it is one, else quoted.
func (s AStr) String() string {
	if IsAtom(string(s)) && !strings.EqualFold(string(s), "NIL") {
		return string(s)
	}
	return quoteReadable(string(s))
}

// String returns "NIL".
func (Nil) String() string { return "NIL" }

// String returns the list in parentheses, elements separated by spaces.
func (l List) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range l {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(valueString(v))
	}
	b.WriteByte(')')
	return b.String()
}

// String returns the raw text.
func (r Raw) String() string { return string(r) }

// String returns the mailbox name (in UTF-8) as an astring.
func (m Mailbox) String() string { return AStr(m).String() }

// String returns "{n}" (or "~{n}") followed by a note that the content is
// streamed.
func (l *LiteralArg) String() string {
	p := ""
	if l.Binary {
		p = "~"
	}
	return p + "{" + strconv.FormatInt(l.Size, 10) + "}<streamed>"
}

// String returns "{n}" (or "~{n}") followed by a note that the content went
// to a callback.
func (s Streamed) String() string {
	p := ""
	if s.Binary {
		p = "~"
	}
	return p + "{" + strconv.FormatInt(s.Size, 10) + "}<streamed>"
}

func valueString(v Value) string {
	if v == nil {
		return "<nil>"
	}
	return v.String()
}

// quoteReadable quotes s when it is printable on one line, else shows it as
// a literal.
func quoteReadable(s string) string {
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00") || len(s) > 1000 {
		return "{" + strconv.Itoa(len(s)) + "}\r\n" + s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// IsAtomChar reports whether c is an ATOM-CHAR (RFC 9051 §9): any CHAR
// except atom-specials "(", ")", "{", SP, CTL, "%", "*", '"', "\" and "]".
func IsAtomChar(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// IsAtom reports whether s is a non-empty sequence of ATOM-CHARs.
func IsAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsAtomChar(s[i]) {
			return false
		}
	}
	return true
}
