package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
)

// typed renders a typed command's values, a literal as {N}<bytes>.
func typed(t *testing.T, tc *typedCommand) string {
	t.Helper()
	args, err := tc.values()
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, a := range args {
		if l, ok := a.(*imap.LiteralArg); ok {
			b, _ := io.ReadAll(l.R)
			parts = append(parts, fmt.Sprintf("{%d}<%s>", l.Size, b))
			continue
		}
		parts = append(parts, a.String())
	}
	return strings.Join(parts, "|")
}

func TestReadTypedCommandLiterals(t *testing.T) {
	for _, c := range []struct {
		first, more, want string
	}{
		{"APPEND Trash {3}", "abc", "APPEND|Trash|{3}<abc>"},
		{"APPEND Trash {3+}", "abc", "APPEND|Trash|{3}<abc>"},
		{"APPEND Trash (\\Seen) {8}", "ab\ncd", "APPEND|Trash|(\\Seen)|{8}<ab\r\ncd\r\n>"},
		{"APPEND Trash {6}", "ab\ncd", "APPEND|Trash|{6}<ab\r\ncd>"},
		{"LOGIN {2}", "me {4}\npass", "LOGIN|{2}<me>|{4}<pass>"},
		{"SEARCH SUBJECT {2}", "hi UNSEEN", "SEARCH|SUBJECT|{2}<hi>|UNSEEN"},
		{"APPEND Trash {3}", "a", "APPEND|Trash|{3}<a\r\n>"},
		{"APPEND Trash {2}", "a\nNOT", "APPEND|Trash|{2}<a\r>"},
		{"APPEND Trash {4}", "\nab", "APPEND|Trash|{4}<\r\nab>"},
		{"NOOP", "", "NOOP"},
	} {
		lines := strings.Split(c.more, "\n")
		next := func() (string, error) {
			if len(lines) == 0 {
				return "", io.EOF
			}
			l := lines[0]
			lines = lines[1:]
			return l, nil
		}
		tc, err := readTypedCommand(c.first, next)
		if err != nil {
			t.Errorf("%q + %q: %v", c.first, c.more, err)
			continue
		}
		if got := typed(t, tc); got != c.want {
			t.Errorf("%q + %q: got %q, want %q", c.first, c.more, got, c.want)
		}
	}
	if _, err := readTypedCommand("APPEND Trash {10}", func() (string, error) { return "", io.EOF }); err == nil {
		t.Error("a literal cut short by the end of the input was accepted")
	}
	if _, err := readTypedCommand("APPEND Trash {999999999999}", nil); err == nil {
		t.Error("a literal of a terabyte was accepted")
	}
}

// literalSession records what it was sent, literals with their bytes.
type literalSession struct {
	fakeSession
	literals []string
}

func (f *literalSession) Command(ctx context.Context, args ...imap.Value) ([]*imap.Response, *imap.Response, error) {
	for _, a := range args {
		if l, ok := a.(*imap.LiteralArg); ok {
			b, _ := io.ReadAll(l.R)
			f.literals = append(f.literals, string(b))
		}
	}
	return f.fakeSession.Command(ctx, args...)
}

func TestRawLiteralsInCommandsAndPipe(t *testing.T) {
	w := newWorld(t)
	fake := &literalSession{}
	w.connect = func(context.Context, *config.Account, Logs, func(*imap.Response)) (Session, error) { return fake, nil }
	w.run("raw", "work", "-c", "APPEND Trash {5}\nab", "-c", "c", "-c", "APPEND Trash {2+}", "-c", "xy")
	var out bytes.Buffer
	app := &App{Stdin: strings.NewReader("APPEND Trash {3}\nabc\nCAPABILITY\n"), Stdout: &out, Stderr: &out,
		Env: config.Env{Lookup: func(string) (string, bool) { return "", false }, Home: w.dir},
		Now: func() time.Time { return fixedNow }, Backends: Backends{Connect: w.connect}}
	app.Run(context.Background(), []string{"--config", w.configPath, "raw", "work"})
	want := []string{"ab\r\nc", "xy", "abc"}
	if strings.Join(fake.literals, "|") != strings.Join(want, "|") {
		t.Errorf("literals sent %q, want %q", fake.literals, want)
	}
	if len(fake.sent) != 4 || fake.sent[3] != "CAPABILITY" {
		t.Errorf("commands sent %q", fake.sent)
	}
}

func TestRawJSON(t *testing.T) {
	w := newWorld(t)
	w.connect = func(context.Context, *config.Account, Logs, func(*imap.Response)) (Session, error) {
		return &fakeSession{}, nil
	}
	code, out, errOut := w.run("--json", "raw", "work", "-c", "CAPABILITY", "-c", "(bad")
	if code != ExitFailure {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{`{"tag":"*","fields":["CAPABILITY","IMAP4rev1","IDLE"]}`, `{"tag":"a1","status":"OK","text":"done"}`}
	if len(lines) != 3 || lines[0] != want[0] || lines[1] != want[1] {
		t.Fatalf("--json printed %q, want %q then a note", lines, want)
	}
	var note map[string]string
	if err := json.Unmarshal([]byte(lines[2]), &note); err != nil || note["note"] == "" {
		t.Errorf("the note is not JSON: %q (%v)", lines[2], err)
	}
}

func TestJSONValue(t *testing.T) {
	r := &imap.Response{Tag: "*", Fields: []imap.Value{imap.Num(12), imap.Atom("FETCH"), imap.List{
		imap.Atom("UID"), imap.Num(40), imap.Atom("FLAGS"), imap.List{imap.Flag(`\Seen`)},
		imap.Atom("ENVELOPE"), imap.List{imap.NIL, imap.Str("hi \"there\"")}, imap.Atom("BODY[]"), imap.Streamed{Size: 99}}}}
	var b bytes.Buffer
	if err := writeResponseJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	want := `{"tag":"*","fields":[12,"FETCH",["UID",40,"FLAGS",["\\Seen"],"ENVELOPE",[null,"hi \"there\""],"BODY[]",{"literal_size":99}]]}` + "\n"
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
	code := &imap.Response{Tag: "a1", Status: "OK", Code: "UIDVALIDITY", CodeArgs: []imap.Value{imap.Num(7)}, Text: "ok"}
	b.Reset()
	_ = writeResponseJSON(&b, code)
	if want := `{"tag":"a1","status":"OK","code":"UIDVALIDITY","code_args":[7],"text":"ok"}` + "\n"; b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}
