package imapwire

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// appendBodies returns the message literals of the APPEND commands in the
// recorded client stream, in order.
func appendBodies(t *testing.T, client []byte) [][]byte {
	var out [][]byte
	for rest := client; ; {
		i := bytes.Index(rest, []byte("+}\r\n"))
		if i < 0 {
			return out
		}
		open := bytes.LastIndexByte(rest[:i], '{')
		n, err := strconv.Atoi(string(rest[open+1 : i]))
		if err != nil {
			t.Fatal(err)
		}
		start := i + 4
		out = append(out, rest[start:start+n])
		rest = rest[start+n:]
	}
}

// TestDovecotClientBytes: the encoder, given the recorded session's
// commands as values, writes exactly the bytes Dovecot 2.3.19 accepted.
func TestDovecotClientBytes(t *testing.T) {
	want, err := os.ReadFile("testdata/dovecot-2.3.19.client")
	if err != nil {
		t.Fatal(err)
	}
	msgs := appendBodies(t, want)
	if len(msgs) != 5 {
		t.Fatalf("found %d APPEND literals, want 5", len(msgs))
	}
	a := func(s string) imap.Value { return imap.Atom(s) }
	mb := func(s string) imap.Value { return imap.Mailbox(s) }
	lit := func(b []byte) imap.Value { return imap.Literal(int64(len(b)), bytes.NewReader(b)) }
	all := imap.UIDRangeSet(1, 0)
	date := time.Date(2024, 1, 1, 10, 0, 5, 0, time.UTC)
	cmds := [][]imap.Value{
		{a("ENABLE"), a("QRESYNC")},
		{a("ID"), imap.List{imap.Str("name"), imap.Str("imapdir-recorder")}},
		{a("NAMESPACE")},
		{a("CREATE"), mb("Archive/2024")},
		{a("APPEND"), mb("INBOX"), imap.List{imap.FlagSeen}, imap.Str(imap.FormatDateTime(date)), lit(msgs[0])},
		{a("APPEND"), mb("INBOX"), imap.List{imap.FlagFlagged, imap.FlagForwarded}, lit(msgs[1])},
		{a("APPEND"), mb("INBOX"), imap.List{}, lit(msgs[2])},
		{a("APPEND"), mb("INBOX"), imap.List{imap.FlagDraft}, lit(msgs[3])},
		{a("APPEND"), mb("Entwürfe"), imap.List{imap.FlagDraft}, lit(msgs[4])},
		{a("SELECT"), mb("INBOX"), imap.List{a("CONDSTORE")}},
		{a("UID"), a("STORE"), imap.UIDSetOf(1), a("+FLAGS"), imap.List{imap.FlagAnswered}},
		{a("UID"), a("STORE"), imap.UIDSetOf(3), imap.List{a("UNCHANGEDSINCE"), imap.Num(1)}, a("+FLAGS"), imap.List{imap.FlagJunk}},
		{a("UID"), a("COPY"), imap.UIDSetOf(1, 2), mb("Archive/2024")},
		{a("UID"), a("MOVE"), imap.UIDSetOf(4), mb("Archive/2024")},
		{a("UNSELECT")},
		{a("SELECT"), mb("INBOX"), imap.List{a("QRESYNC"), imap.List{imap.Num(1796016163), imap.Num(1), imap.UIDRangeSet(1, 10)}}},
		{a("UID"), a("FETCH"), all, imap.List{a("UID"), a("FLAGS"), a("INTERNALDATE"), a("RFC822.SIZE"), a("ENVELOPE"), a("BODYSTRUCTURE"), a("MODSEQ")}},
		{a("UID"), a("FETCH"), all, imap.List{imap.Raw("BODY.PEEK[]"), imap.Raw("BINARY.PEEK[1]"),
			imap.Raw("BODY.PEEK[HEADER.FIELDS (Message-ID Subject)]"), imap.Raw("BODY.PEEK[2.MIME]"), imap.Raw("BINARY.SIZE[1]")}},
		{a("UID"), a("FETCH"), all, imap.List{a("FLAGS")}, imap.List{a("CHANGEDSINCE"), imap.Num(1), a("VANISHED")}},
		{a("UID"), a("SEARCH"), a("RETURN"), imap.List{a("ALL"), a("COUNT"), a("MIN"), a("MAX")}, a("ALL")},
		{a("SEARCH"), a("UNSEEN")},
		{a("UID"), a("SEARCH"), a("HEADER"), imap.AStr("Message-ID"), imap.AStr("<m2@example.de>")},
		{a("STATUS"), mb("Archive/2024"), imap.List{a("MESSAGES"), a("UIDNEXT"), a("UIDVALIDITY"), a("UNSEEN"), a("HIGHESTMODSEQ"), a("SIZE")}},
		{a("LIST"), mb(""), mb("*"), a("RETURN"), imap.List{a("SPECIAL-USE"), a("CHILDREN"), a("STATUS"),
			imap.List{a("MESSAGES"), a("UIDNEXT"), a("UIDVALIDITY"), a("HIGHESTMODSEQ")}}},
		{a("LIST"), imap.List{a("SPECIAL-USE")}, mb(""), mb("*")},
		{a("LSUB"), mb(""), mb("*")},
		{a("UID"), a("STORE"), imap.UIDSetOf(1, 2), a("+FLAGS.SILENT"), imap.List{imap.FlagDeleted}},
		{a("UID"), a("EXPUNGE"), imap.UIDSetOf(1)},
		{a("IDLE")},
		{a("EXPUNGE")},
		{a("NOOP")},
		{a("LOGOUT")},
	}
	var got bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&got), EncoderOptions{LiteralPlus: true})
	for i, args := range cmds {
		if err := e.WriteCommand(fmt.Sprintf("t%d", i+1), args, nil); err != nil {
			t.Fatal(err)
		}
		if i+1 == 29 {
			if err := e.WriteLine("DONE"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !bytes.Equal(got.Bytes(), want) {
		g, w := got.Bytes(), want
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Fatalf("encoder output differs from the recording at byte %d:\n got %q\nwant %q", i, g[max(0, i-40):min(len(g), i+40)], w[max(0, i-40):min(len(w), i+40)])
	}
}
