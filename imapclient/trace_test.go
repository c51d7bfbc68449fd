package imapclient

import (
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

func TestTraceFormatting(t *testing.T) {
	long := strings.Repeat("x", 300)
	rows := []struct {
		literals bool
		args     []imap.Value
		want     string
	}{
		{false, []imap.Value{imap.Atom("LOGIN"), imap.AStr("joe"), imap.AStr("s3cret")}, "C: A1 LOGIN joe <password redacted>"},
		{false, []imap.Value{imap.Atom("login"), imap.AStr("joe"), imap.Str("p\r\nw")}, "C: A1 LOGIN joe <password redacted>"},
		{false, []imap.Value{imap.Atom("AUTHENTICATE"), imap.Atom("PLAIN"), imap.Atom("AGpvZQBzM2NyZXQ=")}, "C: A1 AUTHENTICATE PLAIN <initial response redacted>"},
		{false, []imap.Value{imap.Atom("APPEND"), imap.Mailbox("INBOX"), imap.Literal(20480, strings.NewReader(""))}, "C: A1 APPEND INBOX {20480 bytes}"},
		{false, []imap.Value{imap.Atom("X"), imap.Str(long)}, "C: A1 X {300 bytes}"},
		{true, []imap.Value{imap.Atom("X"), imap.Str("a\r\nb")}, `C: A1 X {4}"a\r\nb"`},
		{false, []imap.Value{imap.Atom("X"), imap.List{imap.Str("a\r\nb"), imap.Num(3)}}, "C: A1 X ({4 bytes} 3)"},
	}
	for _, row := range rows {
		var b strings.Builder
		tr := &tracer{w: &b, literals: row.literals}
		tr.command("A1", row.args)
		if got := strings.TrimSuffix(b.String(), "\n"); got != row.want {
			t.Errorf("got  %q\nwant %q", got, row.want)
		}
	}
	var b strings.Builder
	tr := &tracer{w: &b}
	tr.response(&imap.Response{Tag: "*", Fields: []imap.Value{imap.Number(1), imap.Atom("FETCH"),
		imap.List{imap.Atom("BODY[]"), imap.Streamed{Size: 20480}}}})
	if got := b.String(); got != "S: * 1 FETCH (BODY[] {20480 bytes})\n" {
		t.Errorf("response trace %q", got)
	}
}
