package imapwire

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrLimit is wrapped by errors that refuse input beyond a configured limit
// (literal size, line length, nesting depth). After such an error the
// stream is out of step and the decoder is unusable.
var ErrLimit = errors.New("limit exceeded")

// SyntaxError reports a response that does not follow the grammar
// (RFC 9051 §9): what was expected, where, and the start of the line.
type SyntaxError struct {
	Line   int    // line of the response, from 1 (literals start new lines)
	Offset int    // byte offset in that line, from 0
	Msg    string // e.g. `expected SP after "UID"`
	Text   string // the line, truncated and made printable
}

// Error formats the error as
// `imapwire: expected SP after "UID" at byte 14 of response line 1: "* 1 FETCH (UID40)"`.
func (e *SyntaxError) Error() string {
	return "imapwire: " + e.Msg + " at byte " + strconv.Itoa(e.Offset) + " of response line " +
		strconv.Itoa(e.Line) + ": " + strconv.Quote(e.Text)
}

// LiteralError reports that a LiteralFunc failed. The literal was drained
// and the rest of the response decoded, so the stream stays usable.
type LiteralError struct {
	Info LiteralInfo
	Err  error
}

// Error names the literal and the callback's error.
func (e *LiteralError) Error() string {
	return fmt.Sprintf("imapwire: literal callback for %s %s (%d bytes): %v",
		e.Info.Name, e.Info.Item, e.Info.Size, e.Err)
}

// Unwrap returns the callback's error.
func (e *LiteralError) Unwrap() error { return e.Err }

// snippet returns line made printable and cut to a readable length.
func snippet(line []byte) string {
	const max = 120
	cut := line
	if len(cut) > max {
		cut = cut[:max]
	}
	s := string(cut)
	if len(line) > max {
		s += "..."
	}
	return s
}
