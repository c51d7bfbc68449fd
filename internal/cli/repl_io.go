package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/imapdir/imapdir/imap"
)

// treeWidth is the line length up to which a list is shown on one line.
const treeWidth = 96

// writeResponse writes one server response as a tree: short responses on
// one line as on the wire; a list too long for a line opens with "(" and
// shows one element per line, indented, an item name and its value (as in
// FETCH's "FLAGS (\Seen)") sharing a line; a literal shows as "{N bytes}"
// followed by its text, one "| " line per line.
func writeResponse(w io.Writer, r *imap.Response) error {
	if r.Status != "" || r.IsContinuation() || len(r.Fields) == 0 {
		_, err := fmt.Fprintln(w, oneLine(r.String()))
		return err
	}
	lines := []string{r.Tag}
	for _, f := range r.Fields {
		sub := renderValue(f, 0)
		lines[len(lines)-1] += " " + sub[0]
		lines = append(lines, sub[1:]...)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// renderValue renders v starting on a line indented by indent columns. The
// first line is returned without the indentation (the caller has written
// it), the others with it.
func renderValue(v imap.Value, indent int) []string {
	if s, ok := v.(imap.Str); ok && strings.ContainsAny(string(s), "\r\n") {
		return literalLines(string(s), indent)
	}
	l, isList := v.(imap.List)
	text := v.String()
	if !isList || (indent+len(text) <= treeWidth && !strings.ContainsAny(text, "\r\n")) {
		return []string{text}
	}
	pad := strings.Repeat(" ", indent+2)
	lines := []string{"("}
	for i := 0; i < len(l); i++ {
		prefix := ""
		if i+1 < len(l) && isName(l[i]) && !isName(l[i+1]) {
			prefix = l[i].String() + " "
			i++
		}
		sub := renderValue(l[i], indent+2)
		lines = append(lines, pad+prefix+sub[0])
		lines = append(lines, sub[1:]...)
	}
	return append(lines, strings.Repeat(" ", indent)+")")
}

// isName reports whether v is an atom, as the names of FETCH items and
// other name-value lists are.
func isName(v imap.Value) bool {
	_, ok := v.(imap.Atom)
	return ok
}

// literalLines shows a multi-line string: its size, then its text.
func literalLines(s string, indent int) []string {
	pad := strings.Repeat(" ", indent+2) + "| "
	body := strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	lines := []string{fmt.Sprintf("{%d bytes}", len(s))}
	for _, l := range strings.Split(body, "\n") {
		lines = append(lines, pad+l)
	}
	return lines
}

// lineInput reads command lines: through x/term's line editor (editing,
// history with the arrow keys) when stdin and stdout are a terminal and
// interactive is set, else line by line.
type lineInput struct {
	scanner *bufio.Scanner
	term    *term.Terminal
	out     io.Writer
	restore func()
}

const prompt = "imap> "

func newLineInput(in io.Reader, out io.Writer, interactive bool) *lineInput {
	li := &lineInput{out: out, restore: func() {}}
	fin, ok1 := in.(*os.File)
	if interactive && ok1 && term.IsTerminal(int(fin.Fd())) && isTerminalWriter(out) {
		if old, err := term.MakeRaw(int(fin.Fd())); err == nil {
			li.restore = func() { _ = term.Restore(int(fin.Fd()), old) }
			li.term = term.NewTerminal(struct {
				io.Reader
				io.Writer
			}{fin, out}, prompt)
			return li
		}
	}
	li.scanner = bufio.NewScanner(in)
	li.scanner.Buffer(make([]byte, 64*1024), 1<<20)
	return li
}

// isTerminalWriter reports whether w is a terminal, seeing through the
// redactor.
func isTerminalWriter(w io.Writer) bool {
	if r, ok := w.(*redactor); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// output is where responses go: through the line editor when there is
// one, so that the prompt is redrawn under pushed data.
func (li *lineInput) output() io.Writer {
	if li.term != nil {
		return li.term
	}
	return li.out
}

// readLine returns the next line, or io.EOF at the end (Ctrl-D, Ctrl-C).
func (li *lineInput) readLine() (string, error) {
	if li.term != nil {
		return li.term.ReadLine()
	}
	if li.scanner.Scan() {
		return li.scanner.Text(), nil
	}
	if err := li.scanner.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func (li *lineInput) close() { li.restore() }
