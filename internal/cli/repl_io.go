package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

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
// interactive is set, else line by line. Reading ends with ctx: a signal
// stops a REPL that waits on a pipe or a terminal.
type lineInput struct {
	ctx     context.Context
	lines   <-chan scannedLine // the lines read, when term is not set
	term    *term.Terminal
	keys    *keyReader // the terminal's input, when term is set
	out     io.Writer
	restore func()
}

const (
	prompt = "imap> "
	// contPrompt asks for more of a literal's bytes.
	contPrompt = "    > "
)

// scannedLine is one line read from a pipe, or the error that ended the
// input (io.EOF at its end).
type scannedLine struct {
	text string
	err  error
}

func newLineInput(ctx context.Context, in io.Reader, out io.Writer, interactive bool) *lineInput {
	li := &lineInput{ctx: ctx, out: out, restore: func() {}}
	fin, ok1 := in.(*os.File)
	if interactive && ok1 && term.IsTerminal(int(fin.Fd())) && isTerminalWriter(out) {
		if old, err := term.MakeRaw(int(fin.Fd())); err == nil {
			li.restore = func() { _ = term.Restore(int(fin.Fd()), old) }
			li.keys = newKeyReader(ctx, fin)
			li.term = term.NewTerminal(struct {
				io.Reader
				io.Writer
			}{li.keys, out}, prompt)
			return li
		}
	}
	li.lines = scanLines(ctx, in)
	return li
}

// scanLines reads in line by line in the background, so that a reader
// blocked on a pipe does not keep the REPL from ending with ctx. The
// goroutine ends at the end of the input or, once ctx is done, with the
// line it is reading.
func scanLines(ctx context.Context, in io.Reader) <-chan scannedLine {
	ch := make(chan scannedLine)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case ch <- scannedLine{text: sc.Text()}:
			case <-ctx.Done():
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		select {
		case ch <- scannedLine{err: err}:
		case <-ctx.Done():
		}
	}()
	return ch
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

// readLine returns the next line, or io.EOF at the end (Ctrl-D, Ctrl-C),
// or ctx's error once it is done.
func (li *lineInput) readLine() (string, error) {
	if li.term != nil {
		l, err := li.term.ReadLine()
		if cerr := li.ctx.Err(); cerr != nil {
			return "", cerr
		}
		return l, err
	}
	select {
	case l, ok := <-li.lines:
		if !ok {
			return "", io.EOF
		}
		return l.text, l.err
	case <-li.ctx.Done():
		return "", li.ctx.Err()
	}
}

// readCommand reads the command that starts with first, and the bytes of
// the literals it announces from the lines after it (see
// readTypedCommand).
//
// On a terminal Ctrl-C while a literal's lines are typed abandons the
// command: errAbandoned.
func (li *lineInput) readCommand(first string) (*typedCommand, error) {
	if li.term == nil {
		return readTypedCommand(first, li.readLine)
	}
	li.term.SetPrompt(contPrompt)
	defer li.term.SetPrompt(prompt)
	li.keys.passCtrlC(true)
	defer li.keys.passCtrlC(false)
	return readTypedCommand(first, func() (string, error) {
		l, err := li.readLine()
		if li.keys.tookCtrlC() {
			return "", errAbandoned
		}
		return l, err
	})
}

// errAbandoned is readCommand's answer to Ctrl-C.
var errAbandoned = errors.New("command abandoned (Ctrl-C)")

// interruptWith makes Ctrl-C call cancel until stop is called. Only a
// terminal in raw mode needs this: elsewhere Ctrl-C is SIGINT.
func (li *lineInput) interruptWith(cancel func()) (stop func()) {
	if li.keys == nil {
		return func() {}
	}
	li.keys.setInterrupt(cancel)
	return func() { li.keys.setInterrupt(nil) }
}

func (li *lineInput) close() { li.restore() }

// keyReader reads a raw-mode terminal in the background and hands the
// bytes to the line editor, taking out Ctrl-C: while a command waits it
// interrupts the command; at the prompt it clears the line typed so far
// (as shells do) instead of ending the REPL, which the editor would do.
// Ctrl-D on an empty line still ends it.
type keyReader struct {
	ctx     context.Context // done: Read answers io.EOF
	ch      chan []byte
	pending []byte

	mu        sync.Mutex
	interrupt func()
	pass      bool // Ctrl-C ends the line being typed (and is noted in seen)
	seen      bool
}

const (
	keyCtrlC = 0x03
	keyCtrlE = 0x05 // the line editor's "end of line"
	keyCtrlU = 0x15 // the line editor's "erase to the start of the line"
)

func newKeyReader(ctx context.Context, r io.Reader) *keyReader {
	k := &keyReader{ctx: ctx, ch: make(chan []byte, 16)}
	go k.pump(r)
	return k
}

// pump runs until r fails (the process ends with the terminal open).
func (k *keyReader) pump(r io.Reader) {
	defer close(k.ch)
	for {
		buf := make([]byte, 256)
		n, err := r.Read(buf)
		if n > 0 {
			if b := k.filter(buf[:n]); len(b) > 0 {
				k.ch <- b
			}
		}
		if err != nil {
			return
		}
	}
}

func (k *keyReader) filter(b []byte) []byte {
	if bytes.IndexByte(b, keyCtrlC) < 0 {
		return b
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []byte
	for _, c := range b {
		switch {
		case c != keyCtrlC:
			out = append(out, c)
		case k.interrupt != nil:
			k.interrupt()
		case k.pass:
			// The line editor would end ReadLine with io.EOF on Ctrl-C
			// but keep the key, ending every later ReadLine too: end the
			// line instead, and note why.
			k.seen = true
			out = append(out, keyCtrlE, keyCtrlU, '\r')
		default:
			out = append(out, keyCtrlE, keyCtrlU)
		}
	}
	return out
}

// passCtrlC makes Ctrl-C end the line being typed, empty, noting it for
// tookCtrlC.
func (k *keyReader) passCtrlC(on bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pass, k.seen = on, false
}

// tookCtrlC reports whether Ctrl-C was let through since passCtrlC(true).
func (k *keyReader) tookCtrlC() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.seen
}

func (k *keyReader) setInterrupt(f func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.interrupt = f
}

// Read hands over what the terminal sent; io.EOF once it failed or ctx
// is done.
func (k *keyReader) Read(p []byte) (int, error) {
	if len(k.pending) == 0 {
		var b []byte
		var ok bool
		select {
		case b, ok = <-k.ch:
		case <-k.ctx.Done():
		}
		if !ok {
			return 0, io.EOF
		}
		k.pending = b
	}
	n := copy(p, k.pending)
	k.pending = k.pending[n:]
	return n, nil
}
