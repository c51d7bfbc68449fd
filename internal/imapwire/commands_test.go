package imapwire

import (
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// TestCommandBytes: every command the client needs encodes to the exact
// bytes of the RFC grammar. "<+>" marks where the encoder waited for the
// server's continuation.
func TestCommandBytes(t *testing.T) {
	a := func(s string) imap.Atom { return imap.Atom(s) }
	r := func(s string) imap.Raw { return imap.Raw(s) }
	n := imap.Num
	uids := func(s string) imap.UIDSet { u, _ := imap.ParseUIDSet(s); return u }
	msg := "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n"
	date := time.Date(1994, 2, 7, 21, 52, 25, 0, time.FixedZone("", -8*3600))
	rows := []struct {
		name string
		opts EncoderOptions
		args []imap.Value
		want string
	}{
		{"LOGIN", EncoderOptions{}, []imap.Value{a("LOGIN"), imap.AStr("smith"), imap.AStr("sesame")}, "A LOGIN smith sesame\r\n"},
		{"LOGIN quoted", EncoderOptions{}, []imap.Value{a("LOGIN"), imap.AStr("fred foobar"), imap.AStr(`fat"man`)}, "A LOGIN \"fred foobar\" \"fat\\\"man\"\r\n"},
		{"LOGIN literal", EncoderOptions{}, []imap.Value{a("LOGIN"), imap.AStr("me"), imap.AStr("pässwörd")}, "A LOGIN me {10}\r\n<+>pässwörd\r\n"},
		{"AUTHENTICATE SASL-IR", EncoderOptions{}, []imap.Value{a("AUTHENTICATE"), a("PLAIN"), a("AGZvbwBiYXI=")}, "A AUTHENTICATE PLAIN AGZvbwBiYXI=\r\n"},
		{"AUTHENTICATE", EncoderOptions{}, []imap.Value{a("AUTHENTICATE"), a("XOAUTH2")}, "A AUTHENTICATE XOAUTH2\r\n"},
		{"SELECT", EncoderOptions{}, []imap.Value{a("SELECT"), imap.Mailbox("INBOX")}, "A SELECT INBOX\r\n"},
		{"SELECT CONDSTORE", EncoderOptions{}, []imap.Value{a("SELECT"), imap.Mailbox("INBOX"), imap.List{a("CONDSTORE")}}, "A SELECT INBOX (CONDSTORE)\r\n"},
		{"SELECT QRESYNC", EncoderOptions{}, []imap.Value{a("SELECT"), imap.Mailbox("INBOX"), imap.List{a("QRESYNC"),
			imap.List{n(67890007), n(20050715194045000), uids("41,43:211,214:541")}}},
			"A SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"},
		{"SELECT QRESYNC seq-match", EncoderOptions{}, []imap.Value{a("SELECT"), imap.Mailbox("INBOX"), imap.List{a("QRESYNC"),
			imap.List{n(67890007), n(90060115194045000), uids("1:29997"), imap.List{imap.SeqSetOf(5000, 7500, 9000, 9990), uids("15000,22500,27000,29970")}}}},
			"A SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990 15000,22500,27000,29970)))\r\n"},
		{"EXAMINE non-ASCII", EncoderOptions{}, []imap.Value{a("EXAMINE"), imap.Mailbox("Entwürfe")}, "A EXAMINE Entw&APw-rfe\r\n"},
		{"EXAMINE UTF8", EncoderOptions{UTF8: true}, []imap.Value{a("EXAMINE"), imap.Mailbox("Entwürfe")}, "A EXAMINE \"Entwürfe\"\r\n"},
		{"UID FETCH CHANGEDSINCE VANISHED", EncoderOptions{}, []imap.Value{a("UID"), a("FETCH"), uids("300:500"), imap.List{a("FLAGS")},
			imap.List{a("CHANGEDSINCE"), n(12345), a("VANISHED")}}, "A UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n"},
		{"UID FETCH bodies", EncoderOptions{}, []imap.Value{a("UID"), a("FETCH"), imap.UIDRangeSet(1, 0),
			imap.List{a("UID"), a("FLAGS"), a("INTERNALDATE"), a("RFC822.SIZE"), r("BODY.PEEK[]"), r("BODY.PEEK[HEADER.FIELDS (Message-ID)]"), a("X-GM-MSGID")}},
			"A UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[] BODY.PEEK[HEADER.FIELDS (Message-ID)] X-GM-MSGID)\r\n"},
		{"UID STORE UNCHANGEDSINCE", EncoderOptions{}, []imap.Value{a("UID"), a("STORE"), uids("4"), imap.List{a("UNCHANGEDSINCE"), n(12121230045)},
			a("+FLAGS.SILENT"), imap.List{imap.FlagDeleted}}, "A UID STORE 4 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)\r\n"},
		{"UID STORE keywords", EncoderOptions{}, []imap.Value{a("UID"), a("STORE"), uids("1:3,7"), a("-FLAGS"), imap.List{imap.FlagSeen, imap.Flag("$Forwarded")}},
			"A UID STORE 1:3,7 -FLAGS (\\Seen $Forwarded)\r\n"},
		{"APPEND", EncoderOptions{}, []imap.Value{a("APPEND"), imap.Mailbox("saved-messages"), imap.List{imap.FlagSeen},
			imap.Str(imap.FormatDateTime(date)), imap.Literal(int64(len(msg)), strings.NewReader(msg))},
			"A APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {" + itoa(len(msg)) + "}\r\n<+>" + msg + "\r\n"},
		{"APPEND LITERAL+", EncoderOptions{LiteralPlus: true}, []imap.Value{a("APPEND"), imap.Mailbox("INBOX"), imap.List{},
			imap.Literal(int64(len(msg)), strings.NewReader(msg))}, "A APPEND INBOX () {" + itoa(len(msg)) + "+}\r\n" + msg + "\r\n"},
		{"APPEND literal8", EncoderOptions{LiteralMinus: true}, []imap.Value{a("APPEND"), imap.Mailbox("INBOX"),
			imap.Literal8(3, strings.NewReader("a\x00b"))}, "A APPEND INBOX ~{3+}\r\na\x00b\r\n"},
		{"UID MOVE", EncoderOptions{}, []imap.Value{a("UID"), a("MOVE"), uids("42:69"), imap.Mailbox("foo")}, "A UID MOVE 42:69 foo\r\n"},
		{"UID COPY", EncoderOptions{}, []imap.Value{a("UID"), a("COPY"), uids("304,319:320"), imap.Mailbox("Archive/2024")}, "A UID COPY 304,319:320 Archive/2024\r\n"},
		{"UID EXPUNGE", EncoderOptions{}, []imap.Value{a("UID"), a("EXPUNGE"), uids("3000:3002")}, "A UID EXPUNGE 3000:3002\r\n"},
		{"MOVE seq", EncoderOptions{}, []imap.Value{a("MOVE"), imap.SeqSetOf(3, 4, 5), imap.Mailbox("Trash")}, "A MOVE 3:5 Trash\r\n"},
		{"LIST RETURN", EncoderOptions{}, []imap.Value{a("LIST"), imap.Mailbox(""), imap.Mailbox("*"), a("RETURN"),
			imap.List{a("SPECIAL-USE"), a("STATUS"), imap.List{a("MESSAGES"), a("UIDNEXT"), a("UIDVALIDITY"), a("HIGHESTMODSEQ")}}},
			"A LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))\r\n"},
		{"LIST select options", EncoderOptions{}, []imap.Value{a("LIST"), imap.List{a("SUBSCRIBED")}, imap.Mailbox(""), imap.Mailbox("%")},
			"A LIST (SUBSCRIBED) \"\" \"%\"\r\n"},
		{"STATUS", EncoderOptions{}, []imap.Value{a("STATUS"), imap.Mailbox("blurdybloop"), imap.List{a("UIDNEXT"), a("MESSAGES")}}, "A STATUS blurdybloop (UIDNEXT MESSAGES)\r\n"},
		{"ENABLE", EncoderOptions{}, []imap.Value{a("ENABLE"), a("QRESYNC"), a("UTF8=ACCEPT")}, "A ENABLE QRESYNC UTF8=ACCEPT\r\n"},
		{"IDLE", EncoderOptions{}, []imap.Value{a("IDLE")}, "A IDLE\r\n"},
		{"NOTIFY", EncoderOptions{}, []imap.Value{a("NOTIFY"), a("SET"), imap.List{a("selected"), imap.List{a("MessageNew"),
			imap.List{a("UID"), r("BODY.PEEK[HEADER.FIELDS (From To Subject)]")}, a("MessageExpunge")}},
			imap.List{a("subtree"), imap.Mailbox("Lists"), a("MessageNew")}},
			"A NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (From To Subject)]) MessageExpunge)) (subtree Lists MessageNew)\r\n"},
		{"NOTIFY NONE", EncoderOptions{}, []imap.Value{a("NOTIFY"), a("NONE")}, "A NOTIFY NONE\r\n"},
		{"ID", EncoderOptions{}, []imap.Value{a("ID"), imap.List{imap.Str("name"), imap.Str("imapdir"), imap.Str("version"), imap.Str("0.1")}},
			"A ID (\"name\" \"imapdir\" \"version\" \"0.1\")\r\n"},
		{"ID NIL", EncoderOptions{}, []imap.Value{a("ID"), imap.NIL}, "A ID NIL\r\n"},
		{"COMPRESS", EncoderOptions{}, []imap.Value{a("COMPRESS"), a("DEFLATE")}, "A COMPRESS DEFLATE\r\n"},
		{"UID SEARCH", EncoderOptions{}, []imap.Value{a("UID"), a("SEARCH"), a("RETURN"), imap.List{a("ALL")}, a("HEADER"),
			imap.AStr("Message-ID"), imap.AStr("<a@b>")}, "A UID SEARCH RETURN (ALL) HEADER Message-ID <a@b>\r\n"},
		{"CREATE", EncoderOptions{}, []imap.Value{a("CREATE"), imap.Mailbox("Archive/2024"), imap.List{a("USE"), imap.List{a(`\Archive`)}}},
			"A CREATE Archive/2024 (USE (\\Archive))\r\n"},
		{"RENAME", EncoderOptions{}, []imap.Value{a("RENAME"), imap.Mailbox("Old Box"), imap.Mailbox("台北")}, "A RENAME \"Old Box\" &U,BTFw-\r\n"},
		{"UNSELECT", EncoderOptions{}, []imap.Value{a("UNSELECT")}, "A UNSELECT\r\n"},
	}
	for _, row := range rows {
		got, _ := encode(t, row.opts, "A", row.args...)
		if got != row.want {
			t.Errorf("%s:\n got %q\nwant %q", row.name, got, row.want)
		}
	}
}

func TestDoneLine(t *testing.T) {
	var buf strings.Builder
	e, w := newTestEncoder(&buf)
	if err := e.WriteLine("DONE"); err != nil || buf.String() != "DONE\r\n" {
		t.Errorf("got %q, %v", buf.String(), err)
	}
	_ = w
}
