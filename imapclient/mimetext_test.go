package imapclient

import (
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// encodedMessage has an RFC 2047 subject and display name, and two
// attachments: one named with RFC 2231 continuations in ISO-8859-1, one
// with an RFC 2047 word in a quoted name (a common mailer habit).
const encodedMessage = "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>\r\n" +
	"To: =?ISO-8859-1?Q?Ren=E9e?= <r@example.org>\r\n" +
	"Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?ISO-8859-1?Q?K=F6ln?=\r\n" +
	"Message-ID: <enc@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
	"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n" +
	"--b\r\nContent-Type: application/pdf\r\n" +
	"Content-Disposition: attachment;\r\n filename*0*=iso-8859-1''Gr%FC%DFe%20an;\r\n filename*1=\" alle.pdf\"\r\n\r\nJVBERi0=\r\n" +
	"--b\r\nContent-Type: text/plain; name=\"=?UTF-8?Q?Z=C3=BCrich.txt?=\"\r\n\r\nZ\r\n" +
	"--b--\r\n"

// TestDecodedEnvelopeAndParts: ENVELOPE and BODYSTRUCTURE from Dovecot
// come decoded, with the raw forms kept.
func TestDecodedEnvelopeAndParts(t *testing.T) {
	srv := testenv.Dovecot(t)
	c, u := login(t, srv, nil)
	uid := srv.SaveMessage(t, u.Name, "INBOX", []byte(encodedMessage))
	ctx := testCtx(t)
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.UIDFetch(ctx, imap.UIDSetOf(imap.UID(uid)), Items("ENVELOPE", "BODYSTRUCTURE"), nil)
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("FETCH: %v %v", res, err)
	}
	m := res.Messages[0]
	e := m.Envelope
	if e.Subject != "Grüße aus Köln" || !strings.HasPrefix(e.RawSubject, "=?UTF-8?B?") {
		t.Errorf("subject %q raw %q", e.Subject, e.RawSubject)
	}
	if e.From[0].Name != "Jürgen Müller" || e.From[0].RawName != "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=" || e.To[0].Name != "Renée" {
		t.Errorf("names %+v %+v", e.From, e.To)
	}
	var names []string
	m.BodyStructure.Walk(func(path []int, p *imap.BodyStructure) bool {
		if f := p.Filename(); f != "" {
			names = append(names, f)
		}
		return true
	})
	if strings.Join(names, "|") != "Grüße an alle.pdf|Zürich.txt" {
		t.Errorf("file names %q", names)
	}
	pdf := m.BodyStructure.Parts[1]
	// Dovecot joins the continuations and keeps the charset form.
	if pdf.RawDispositionParams["filename*"] != "iso-8859-1''Gr%FC%DFe%20an alle.pdf" {
		t.Errorf("raw disposition params %v", pdf.RawDispositionParams)
	}
}

// TestSearchNonASCII: Search adds CHARSET UTF-8 itself for a criterion
// that is not ASCII, and Dovecot finds the message by its decoded
// subject; criteria that already name a charset are left alone.
func TestSearchNonASCII(t *testing.T) {
	srv := testenv.Dovecot(t)
	tr := &traceBuf{}
	c, u := login(t, srv, &Options{TraceWriter: tr})
	uid := srv.SaveMessage(t, u.Name, "INBOX", []byte(encodedMessage))
	srv.SaveMessage(t, u.Name, "INBOX", testMessage(1))
	ctx := testCtx(t)
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, crit := range [][]imap.Value{
		{imap.Atom("SUBJECT"), imap.Str("Grüße")},
		{imap.Atom("NOT"), imap.List{imap.Atom("FROM"), imap.AStr("nobody")}, imap.Atom("SUBJECT"), imap.Str("Köln")},
		{imap.Atom("CHARSET"), imap.AStr("UTF-8"), imap.Atom("SUBJECT"), imap.Str("Köln")},
	} {
		d, err := c.UIDSearch(ctx, crit...)
		if err != nil || d.UIDs.String() != imap.UIDSetOf(imap.UID(uid)).String() {
			t.Errorf("UIDSearch %v: %v %v", crit, d, err)
		}
	}
	if n := strings.Count(tr.String(), "CHARSET UTF-8"); n != 3 {
		t.Errorf("CHARSET UTF-8 sent %d times, want 3:\n%s", n, tr.String())
	}
}
