package cli

import (
	"bufio"
	"io"
	"os"

	"golang.org/x/term"
)

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
