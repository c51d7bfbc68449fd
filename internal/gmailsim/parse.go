package gmailsim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// tok is one argument of a client command (RFC 9051 §9): an atom (which
// here includes section specs such as BODY.PEEK[HEADER.FIELDS (A B)]<0.9>),
// a string (quoted or literal), or a parenthesized list.
type tok struct {
	atom   string
	str    *string
	list   []tok
	isList bool
}

func (t tok) isAtom(s string) bool { return t.str == nil && !t.isList && strings.EqualFold(t.atom, s) }

// text returns an astring's value (atom or string).
func (t tok) text() (string, bool) {
	switch {
	case t.str != nil:
		return *t.str, true
	case t.isList || t.atom == "":
		return "", false
	}
	return t.atom, true
}

// Limits on what a client may send.
const (
	maxLine    = 64 << 10
	maxLiteral = 35651584 // APPENDLIMIT, as Gmail advertises
)

var errTooBig = errors.New("literal too big")

// readCommand reads one command: its tag, name and arguments. Before a
// synchronizing literal it calls cont (which sends "+ ...").
func readCommand(r *bufio.Reader, cont func() error) (tag string, args []tok, err error) {
	p := &cmdParser{}
	for {
		line, err := readLine(r)
		if err != nil {
			return "", nil, err
		}
		n, sync, isLit := literalSuffix(line)
		if isLit {
			line = line[:strings.LastIndexByte(line, '{')]
		}
		if err := p.feed(line); err != nil {
			return "", nil, err
		}
		if !isLit {
			break
		}
		if n > maxLiteral {
			return "", nil, errTooBig
		}
		if sync {
			if err := cont(); err != nil {
				return "", nil, err
			}
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", nil, err
		}
		s := string(buf)
		p.push(tok{str: &s})
	}
	if len(p.stack) != 1 {
		return "", nil, fmt.Errorf("unbalanced parentheses")
	}
	all := p.stack[0]
	if len(all) < 2 || all[0].atom == "" || all[1].atom == "" {
		return "", nil, fmt.Errorf("missing tag or command")
	}
	return all[0].atom, all[1:], nil
}

func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, err := r.ReadSlice('\n')
		b.Write(chunk)
		if b.Len() > maxLine {
			return "", fmt.Errorf("line too long")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(b.String(), "\r\n"), nil
	}
}

// literalSuffix recognises "{N}", "{N+}" and "{N-}" ending a line
// (RFC 9051 §4.3, RFC 7888).
func literalSuffix(line string) (n int64, sync, ok bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false, false
	}
	num := line[i+1 : len(line)-1]
	sync = true
	if strings.HasSuffix(num, "+") || strings.HasSuffix(num, "-") {
		num, sync = num[:len(num)-1], false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, false, false
	}
	return n, sync, true
}

// cmdParser builds the argument tree across the lines of one command.
type cmdParser struct{ stack [][]tok }

func (p *cmdParser) push(t tok) {
	if len(p.stack) == 0 {
		p.stack = [][]tok{nil}
	}
	top := len(p.stack) - 1
	p.stack[top] = append(p.stack[top], t)
}

func (p *cmdParser) feed(s string) error {
	if len(p.stack) == 0 {
		p.stack = [][]tok{nil}
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '(':
			p.stack = append(p.stack, nil)
			i++
		case c == ')':
			if len(p.stack) < 2 {
				return fmt.Errorf("unbalanced )")
			}
			l := p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			p.push(tok{list: l, isList: true})
			i++
		case c == '"':
			str, n, err := quoted(s[i:])
			if err != nil {
				return err
			}
			p.push(tok{str: &str})
			i += n
		default:
			n := atomLen(s[i:])
			p.push(tok{atom: s[i : i+n]})
			i += n
		}
	}
	return nil
}

// atomLen measures an atom; inside [...] spaces and parentheses belong
// to it (section specs).
func atomLen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ' ', '(', ')':
			if depth <= 0 {
				return max(i, 1)
			}
		}
	}
	return len(s)
}

func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("bad quoted string")
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted string")
}

// quote writes s as an IMAP astring: atom when it can be, else quoted,
// else a literal (CR, LF, 8-bit, or long).
func quote(s string) string {
	if s == "" {
		return `""`
	}
	plain := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return fmt.Sprintf("{%d}\r\n%s", len(s), s)
		}
		if strings.IndexByte(`(){ %*"\]`, c) >= 0 {
			plain = false
		}
	}
	if plain && !strings.EqualFold(s, "NIL") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// quoteAlways writes s as a quoted string or literal (mailbox names).
func quoteAlways(s string) string {
	q := quote(s)
	if strings.HasPrefix(q, `"`) || strings.HasPrefix(q, "{") {
		return q
	}
	return `"` + s + `"`
}

// labelAtom writes a label: system labels as atoms (\Inbox), others as
// astrings, as Gmail does.
func labelAtom(l string) string {
	if strings.HasPrefix(l, `\`) && !strings.ContainsAny(l, ` "()`) {
		return l
	}
	return quote(l)
}
