package hostile

import (
	"bufio"
	"strings"
	"testing"
)

func TestFraming(t *testing.T) {
	for line, want := range map[string]int64{
		"* 1 FETCH (BODY[] {12}": 12, "A1 APPEND x {3+}": 3, "* 1 FETCH (BINARY[] ~{0}": 0,
		"* OK done": -1, "* 1 FETCH (X {})": -1, "{x}": -1,
	} {
		if got := literalAt([]byte(line)); got != want {
			t.Errorf("literalAt(%q) = %d, want %d", line, got, want)
		}
	}
	in := "* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\nA1 OK done\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	r1, err := readResponse(br)
	if err != nil || string(r1) != "* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n" {
		t.Fatalf("first response %q, %v", r1, err)
	}
	if r2, err := readResponse(br); err != nil || Tag(r2) != "A1" {
		t.Fatalf("second response %q, %v", r2, err)
	}
	for line, want := range map[string]string{
		`A3 SELECT Bad (CONDSTORE)`: "Bad", `A3 SELECT "a \"b\" c"`: `a "b" c`, `A3 EXAMINE INBOX`: "INBOX",
	} {
		if got := mailboxArg(line); got != want {
			t.Errorf("mailboxArg(%q) = %q, want %q", line, got, want)
		}
	}
	if c := parseCommand([]byte("a7 uid fetch 1:* (FLAGS)")); c.Tag != "a7" || c.Name != "UID FETCH" {
		t.Errorf("parseCommand: %+v", c)
	}
}
