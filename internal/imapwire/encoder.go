package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/mutf7"
)

// ErrUnsafe is wrapped by errors for command text that cannot be sent as
// given: CR, LF or NUL outside a literal, or a token that is not what its
// type promises. Nothing of such a command is written.
var ErrUnsafe = errors.New("unsafe command text")

// maxQuoted is the longest string written quoted; longer ones are literals.
const maxQuoted = 1024

// literalMinusMax is the largest non-synchronizing literal allowed under
// LITERAL- and IMAP4rev2 (RFC 7888 §4, RFC 9051 §4.3).
const literalMinusMax = 4096

// EncoderOptions says which extensions shape the command syntax.
type EncoderOptions struct {
	// LiteralPlus: the server advertised LITERAL+ (RFC 7888): every literal
	// is sent non-synchronizing, {n+}.
	LiteralPlus bool
	// LiteralMinus: the server advertised LITERAL- or IMAP4rev2 (RFC 7888
	// §4): literals of up to 4096 bytes are sent non-synchronizing.
	LiteralMinus bool
	// UTF8: IMAP4rev2 or UTF8=ACCEPT (RFC 6855) is in effect: mailbox names
	// are sent as UTF-8 instead of modified UTF-7, and quoted strings may
	// carry UTF-8.
	UTF8 bool
}

// ContinueFunc is called after the header of a synchronizing literal was
// written and flushed. It must wait for the server's continuation request
// ("+", RFC 9051 §7.6) and return nil, or return an error (typically the
// server's tagged NO/BAD refusing the literal) to abort the command.
type ContinueFunc func() error

// Encoder writes commands (RFC 9051 §2.2.1, grammar §9) to a *bufio.Writer.
// It is not safe for concurrent use: the client serializes commands.
type Encoder struct {
	w    *bufio.Writer
	opts EncoderOptions
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w *bufio.Writer, opts EncoderOptions) *Encoder {
	return &Encoder{w: w, opts: opts}
}

// Reset makes the encoder write to w, for a stream change such as
// STARTTLS or COMPRESS=DEFLATE.
func (e *Encoder) Reset(w *bufio.Writer) { e.w = w }

// Options returns the options in effect.
func (e *Encoder) Options() EncoderOptions { return e.opts }

// SetOptions changes the options, e.g. after ENABLE UTF8=ACCEPT; call it
// between commands only.
func (e *Encoder) SetOptions(o EncoderOptions) { e.opts = o }

// WriteCommand writes "tag SP arg1 SP arg2 ... CRLF" and flushes. Str values
// become quoted strings or literals, AStr and Mailbox also atoms, per the
// options. Before each synchronizing literal the command so far is flushed
// and cont is called; cont may be nil only when no synchronizing literal is
// needed. The whole command is checked before the first byte is written: an
// error wrapping ErrUnsafe means nothing was sent. Any other error (a write
// failed, a literal's reader came up short, cont refused) leaves the
// command half sent: unless cont reported the server's tagged refusal of a
// synchronizing literal, the connection is out of step and must be closed.
// Writes block on the underlying connection; bound them with its deadline.
func (e *Encoder) WriteCommand(tag string, args []imap.Value, cont ContinueFunc) error {
	if err := checkTag(tag); err != nil {
		return err
	}
	needCont := false
	for i, a := range args {
		if err := e.check(a, &needCont); err != nil {
			return fmt.Errorf("imapwire: command %s argument %d: %w", tag, i+1, err)
		}
	}
	if needCont && cont == nil {
		return fmt.Errorf("imapwire: command %s needs a synchronizing literal but no ContinueFunc was given: %w", tag, ErrUnsafe)
	}
	e.w.WriteString(tag)
	for _, a := range args {
		e.w.WriteByte(' ')
		if err := e.write(a, cont); err != nil {
			return fmt.Errorf("imapwire: writing command %s: %w", tag, err)
		}
	}
	e.w.WriteString("\r\n")
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("imapwire: writing command %s: %w", tag, err)
	}
	return nil
}

// WriteLine writes one line that is not a command, such as "DONE" ending
// IDLE (RFC 2177) or a base64 SASL response (RFC 9051 §6.2.2), and flushes.
func (e *Encoder) WriteLine(line string) error {
	if strings.ContainsAny(line, "\r\n\x00") {
		return fmt.Errorf("imapwire: line holds CR, LF or NUL: %w", ErrUnsafe)
	}
	e.w.WriteString(line)
	e.w.WriteString("\r\n")
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("imapwire: writing line: %w", err)
	}
	return nil
}

// checkTag: tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9).
func checkTag(tag string) error {
	if tag == "" {
		return fmt.Errorf("imapwire: empty tag: %w", ErrUnsafe)
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; c == '+' || !(imap.IsAtomChar(c) || c == ']') {
			return fmt.Errorf("imapwire: tag %q holds %q: %w", tag, c, ErrUnsafe)
		}
	}
	return nil
}

// stringForm is how a string is written.
type stringForm int

const (
	formAtom stringForm = iota
	formQuoted
	formLiteral
)

// formOf chooses the form of s; atomOK when the grammar allows an atom.
func (e *Encoder) formOf(s string, atomOK bool) stringForm {
	if atomOK && imap.IsAtom(s) && !strings.EqualFold(s, "NIL") {
		return formAtom
	}
	if len(s) > maxQuoted || strings.ContainsAny(s, "\r\n") {
		return formLiteral
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			if !e.opts.UTF8 || !utf8.ValidString(s) {
				return formLiteral
			}
			break
		}
	}
	return formQuoted
}

// nonSync reports whether a literal of size bytes may be sent as {n+}.
func (e *Encoder) nonSync(size int64) bool {
	return e.opts.LiteralPlus || (e.opts.LiteralMinus && size <= literalMinusMax)
}

// mailboxText returns the wire text of a mailbox name.
func (e *Encoder) mailboxText(m imap.Mailbox) string {
	if e.opts.UTF8 {
		return string(m)
	}
	return mutf7.Encode(string(m))
}

// atomOK: what an Atom or Flag may hold when written verbatim: no SP, CTL,
// "(", ")", "{", '"' or 8-bit byte. ("[", "]", "<", ">", "\", "*", "%" are
// allowed for FETCH items, flags and LIST patterns.)
func atomOK(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '"' {
			return false
		}
	}
	return true
}

// check validates v and notes whether it needs a synchronizing literal.
func (e *Encoder) check(v imap.Value, needCont *bool) error {
	switch v := v.(type) {
	case imap.Atom:
		return checkAtom("atom", string(v))
	case imap.Flag:
		return checkAtom("flag", string(v))
	case imap.Raw:
		if strings.ContainsAny(string(v), "\r\n\x00") {
			return fmt.Errorf("raw text %q holds CR, LF or NUL: %w", string(v), ErrUnsafe)
		}
	case imap.Str:
		return e.checkString(string(v), false, needCont)
	case imap.AStr:
		return e.checkString(string(v), true, needCont)
	case imap.Mailbox:
		if strings.ContainsAny(string(v), "\r\n\x00") {
			return fmt.Errorf("mailbox name %q holds CR, LF or NUL: %w", string(v), ErrUnsafe)
		}
		return e.checkString(e.mailboxText(v), true, needCont)
	case imap.UID, imap.SeqNum:
		if n, _ := imap.AsNumber(v); n == 0 {
			return fmt.Errorf("message number 0 is not valid: %w", ErrUnsafe)
		}
	case imap.UIDSet:
		return checkSet(v.IsEmpty())
	case imap.SeqSet:
		return checkSet(v.IsEmpty())
	case imap.List:
		for _, x := range v {
			if err := e.check(x, needCont); err != nil {
				return err
			}
		}
	case *imap.LiteralArg:
		return e.checkLiteralArg(v, needCont)
	case imap.Number, imap.Nil:
	default:
		return fmt.Errorf("value %v of type %T cannot be sent: %w", v, v, ErrUnsafe)
	}
	return nil
}

func checkAtom(what, s string) error {
	if !atomOK(s) {
		return fmt.Errorf("%s %q is empty or holds SP, CTL, '(', ')', '{', '\"' or 8-bit bytes: %w", what, s, ErrUnsafe)
	}
	return nil
}

func checkSet(empty bool) error {
	if empty {
		return fmt.Errorf("empty sequence set: %w", ErrUnsafe)
	}
	return nil
}

func (e *Encoder) checkString(s string, atomOK bool, needCont *bool) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("string holds NUL, which only a literal8 can carry: %w", ErrUnsafe)
	}
	if e.formOf(s, atomOK) == formLiteral && !e.nonSync(int64(len(s))) {
		*needCont = true
	}
	return nil
}

func (e *Encoder) checkLiteralArg(l *imap.LiteralArg, needCont *bool) error {
	if l == nil || l.R == nil || l.Size < 0 {
		return fmt.Errorf("literal without a reader or with a negative size: %w", ErrUnsafe)
	}
	if !e.nonSync(l.Size) {
		*needCont = true
	}
	return nil
}

// write writes a checked value.
func (e *Encoder) write(v imap.Value, cont ContinueFunc) error {
	switch v := v.(type) {
	case imap.Str:
		return e.writeString(string(v), false, cont)
	case imap.AStr:
		return e.writeString(string(v), true, cont)
	case imap.Mailbox:
		return e.writeString(e.mailboxText(v), true, cont)
	case imap.List:
		return e.writeList(v, cont)
	case *imap.LiteralArg:
		return e.writeLiteralArg(v, cont)
	case imap.Number:
		e.w.Write(strconv.AppendUint(e.w.AvailableBuffer(), uint64(v), 10))
	default:
		e.w.WriteString(v.String())
	}
	return nil
}

func (e *Encoder) writeList(l imap.List, cont ContinueFunc) error {
	e.w.WriteByte('(')
	for i, x := range l {
		if i > 0 {
			e.w.WriteByte(' ')
		}
		if err := e.write(x, cont); err != nil {
			return err
		}
	}
	e.w.WriteByte(')')
	return nil
}

func (e *Encoder) writeString(s string, atomOK bool, cont ContinueFunc) error {
	switch e.formOf(s, atomOK) {
	case formAtom:
		e.w.WriteString(s)
	case formQuoted:
		e.w.WriteByte('"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' {
				e.w.WriteByte('\\')
			}
			e.w.WriteByte(s[i])
		}
		e.w.WriteByte('"')
	default:
		if err := e.literalHeader(int64(len(s)), false, cont); err != nil {
			return err
		}
		e.w.WriteString(s)
	}
	return nil
}

// literalHeader writes "{n}" CRLF (or "{n+}", "~{n}") and, for a
// synchronizing literal, flushes and waits for the continuation.
func (e *Encoder) literalHeader(size int64, binary bool, cont ContinueFunc) error {
	if binary {
		e.w.WriteByte('~')
	}
	e.w.WriteByte('{')
	e.w.Write(strconv.AppendInt(e.w.AvailableBuffer(), size, 10))
	sync := !e.nonSync(size)
	if !sync {
		e.w.WriteByte('+')
	}
	e.w.WriteString("}\r\n")
	if !sync {
		return nil
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	if err := cont(); err != nil {
		return fmt.Errorf("waiting for continuation of a %d-byte literal: %w", size, err)
	}
	return nil
}

func (e *Encoder) writeLiteralArg(l *imap.LiteralArg, cont ContinueFunc) error {
	if err := e.literalHeader(l.Size, l.Binary, cont); err != nil {
		return err
	}
	src := l.R
	if !l.Binary {
		src = &nulGuard{r: l.R}
	}
	n, err := io.CopyN(e.w, src, l.Size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: the literal's reader gave %d of %d announced bytes; the connection is unusable", ErrLiteralMismatch, n, l.Size)
		}
		if errors.Is(err, errNULInLiteral) {
			return fmt.Errorf("%w: a NUL byte after %d of %d bytes of a plain literal (only a literal8 carries NUL); the connection is unusable",
				ErrLiteralMismatch, n, l.Size)
		}
		return fmt.Errorf("literal gave %d of %d announced bytes: %w", n, l.Size, err)
	}
	var extra [1]byte
	if k, _ := io.ReadFull(l.R, extra[:]); k > 0 {
		return fmt.Errorf("%w: the literal's reader holds more than the %d announced bytes; the connection is unusable", ErrLiteralMismatch, l.Size)
	}
	return nil
}

// ErrLiteralMismatch is wrapped by the error of a command whose literal's
// reader did not yield exactly the announced bytes (fewer, more, or a NUL
// in a plain literal). Part of the literal may have been sent: the
// connection is out of step and must be closed; nothing else was altered
// to make the literal fit.
var ErrLiteralMismatch = errors.New("imapwire: literal does not match its announcement")

var errNULInLiteral = errors.New("NUL in a plain literal")

// nulGuard fails a read that would pass a NUL byte: a plain literal
// (RFC 9051 §4.3, CHAR8 excludes %x00) cannot carry one.
type nulGuard struct{ r io.Reader }

func (g *nulGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if i := bytes.IndexByte(p[:n], 0); i >= 0 {
		return i, errNULInLiteral
	}
	return n, err
}
