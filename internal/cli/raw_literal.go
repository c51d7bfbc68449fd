package cli

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/imapdir/imapdir/imap"
)

// maxTypedLiteral bounds a literal typed or piped into raw: it is held in
// memory until the command is sent.
const maxTypedLiteral = 64 << 20

// literalAtEnd matches a literal's announcement ending a line: {N} or the
// non-synchronizing {N+} (RFC 9051 §4.3, RFC 7888 §3). The encoder sends
// either form as the server allows (non-synchronizing with LITERAL+, or
// LITERAL- up to 4096 bytes; otherwise it waits for the continuation).
var literalAtEnd = regexp.MustCompile(`\{([0-9]{1,12})\+?\}$`)

// typedCommand is one command as typed: the text between literals, and
// the literals' bytes; len(text) == len(literals)+1.
type typedCommand struct {
	text     []string
	literals [][]byte
}

// readTypedCommand assembles a command from first and, when a line ends
// in a literal's announcement {N} or {N+}, the next N bytes of input read
// with next: lines joined by CRLF, as on the wire. What follows the N
// bytes on their last line continues the command (and may announce
// another literal).
func readTypedCommand(first string, next func() (string, error)) (*typedCommand, error) {
	tc := &typedCommand{}
	line := first
	for {
		m := literalAtEnd.FindStringSubmatchIndex(line)
		if m == nil {
			tc.text = append(tc.text, line)
			return tc, nil
		}
		n, err := strconv.Atoi(line[m[2]:m[3]])
		if err != nil || n > maxTypedLiteral {
			return nil, fmt.Errorf("literal %s: at most %d bytes can be typed", line[m[0]:m[1]], maxTypedLiteral)
		}
		tc.text = append(tc.text, line[:m[0]])
		var lit []byte
		for read := 0; len(lit) < n; read++ {
			if read > 0 {
				if lit = append(lit, '\r', '\n'); len(lit) >= n {
					break
				}
			}
			more, err := next()
			if err != nil {
				return nil, fmt.Errorf("the input ended inside a literal of %d bytes (%d read): %w", n, len(lit), err)
			}
			lit = append(lit, more...)
		}
		// A literal ending between CR and LF leaves the LF: the line
		// after it has not been read.
		line = strings.TrimPrefix(string(lit[n:]), "\n")
		tc.literals = append(tc.literals, lit[:n:n])
	}
}

// values turns the command into arguments: the command name as an atom
// (two for "UID FETCH" and the like), then each argument as typed (split
// at spaces outside quotes, parentheses and brackets), a literal where one
// was announced. Separate arguments let the protocol trace redact LOGIN's
// password.
func (tc *typedCommand) values() ([]imap.Value, error) {
	var args []imap.Value
	for i, text := range tc.text {
		words, err := splitArgs(text)
		if err != nil {
			if i < len(tc.literals) {
				return nil, fmt.Errorf("%w (a literal can stand only outside parentheses here)", err)
			}
			return nil, err
		}
		if i == 0 {
			if args, words, err = commandName(text, words); err != nil {
				return nil, err
			}
		}
		for _, w := range words {
			args = append(args, imap.Raw(w))
		}
		if i < len(tc.literals) {
			l := tc.literals[i]
			args = append(args, imap.Literal(int64(len(l)), bytes.NewReader(l)))
		}
	}
	return args, nil
}

// commandName takes the command name from the first words: one atom, or
// UID and the atom after it.
func commandName(line string, words []string) ([]imap.Value, []string, error) {
	if len(words) == 0 || !imap.IsAtom(words[0]) {
		return nil, nil, fmt.Errorf("%q does not start with a command name", line)
	}
	args := []imap.Value{imap.Atom(words[0])}
	words = words[1:]
	if strings.EqualFold(string(args[0].(imap.Atom)), "UID") {
		if len(words) == 0 || !imap.IsAtom(words[0]) {
			return nil, nil, errors.New("UID needs a command after it, e.g. UID FETCH 1:* FLAGS")
		}
		args = append(args, imap.Atom(words[0]))
		words = words[1:]
	}
	return args, words, nil
}

// parseCommandLine turns a command typed on one line, without literals,
// into values.
func parseCommandLine(line string) ([]imap.Value, error) {
	return (&typedCommand{text: []string{line}}).values()
}

// splitArgs splits line at spaces that are outside quoted strings,
// parentheses and brackets.
func splitArgs(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range line {
		switch {
		case escaped:
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			depth--
		case r == ' ' && depth == 0:
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if quoted || depth != 0 {
		return nil, errors.New("unbalanced quotes, parentheses or brackets")
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words, nil
}
