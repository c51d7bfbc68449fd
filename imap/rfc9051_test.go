package imap_test

import (
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// RFC 9051 §6.3.2 SELECT example.
func TestRFC9051Select(t *testing.T) {
	rs := decode(t,
		`* 172 EXISTS`,
		`* OK [UIDVALIDITY 3857529045] UIDs valid`,
		`* OK [UIDNEXT 4392] Predicted next UID`,
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited`,
		`* LIST () "/" INBOX`,
		`A142 OK [READ-WRITE] SELECT completed`,
	)
	var s imap.SelectData
	for _, r := range rs {
		must(s.Apply(r))
	}
	if s.Exists != 172 || s.UIDValidity != 3857529045 || s.UIDNext != 4392 || s.ReadOnly {
		t.Errorf("select data %+v", s)
	}
	if flagsString(s.Flags) != `\Answered \Flagged \Deleted \Seen \Draft` ||
		flagsString(s.PermanentFlags) != `\Deleted \Seen \*` || !s.HasPermanentFlags {
		t.Errorf("flags %v / %v", s.Flags, s.PermanentFlags)
	}
	l := must(imap.ParseList(rs[5], false))
	if l.Name != "INBOX" || l.Delim != '/' || len(l.Attrs) != 0 {
		t.Errorf("LIST %+v", l)
	}
	ro := one(t, `A932 OK [READ-ONLY] EXAMINE completed`)
	must(s.Apply(ro))
	if !s.ReadOnly {
		t.Error("READ-ONLY not applied")
	}
}

// RFC 9051 §7.1 status responses and the response codes of §7.1 and RFC 5530.
func TestRFC9051StatusResponses(t *testing.T) {
	rows := []struct {
		line   string
		status imap.Status
		code   imap.ResponseCode
		text   string
	}{
		{`* OK IMAP4rev2 server ready`, imap.StatusOK, "", "IMAP4rev2 server ready"},
		{`* OK [ALERT] System shutdown in 10 minutes`, imap.StatusOK, imap.CodeAlert, "System shutdown in 10 minutes"},
		{`A001 OK LOGIN Completed`, imap.StatusOK, "", "LOGIN Completed"},
		{`* NO Disk is 98% full, please delete unnecessary data`, imap.StatusNO, "", "Disk is 98% full, please delete unnecessary data"},
		{`A222 NO COPY failed: disk is full`, imap.StatusNO, "", "COPY failed: disk is full"},
		{`* BAD Command line too long`, imap.StatusBAD, "", "Command line too long"},
		{`* BAD Empty command line`, imap.StatusBAD, "", "Empty command line"},
		{`A443 BAD Expunge invalid`, imap.StatusBAD, "", "Expunge invalid"},
		{`* PREAUTH IMAP4rev2 server logged in as Smith`, imap.StatusPreAuth, "", "IMAP4rev2 server logged in as Smith"},
		{`* BYE Autologout; idle for too long`, imap.StatusBYE, "", "Autologout; idle for too long"},
		{`A003 NO [TRYCREATE] Mailbox doesn't exist`, imap.StatusNO, imap.CodeTryCreate, "Mailbox doesn't exist"},
		{`a NO [UNAVAILABLE] User's backend down for maintenance`, imap.StatusNO, imap.CodeUnavailable, "User's backend down for maintenance"},
		{`a NO [AUTHENTICATIONFAILED] Authentication failed`, imap.StatusNO, imap.CodeAuthenticationFailed, "Authentication failed"},
		{`a NO [AUTHORIZATIONFAILED] No such authorization-ID`, imap.StatusNO, imap.CodeAuthorizationFailed, "No such authorization-ID"},
		{`a NO [EXPIRED] That password isn't valid any more`, imap.StatusNO, imap.CodeExpired, "That password isn't valid any more"},
		{`a NO [PRIVACYREQUIRED] Connection offers no privacy`, imap.StatusNO, imap.CodePrivacyRequired, "Connection offers no privacy"},
		{`a NO [CONTACTADMIN] You need to fill in the form at http://example.com`, imap.StatusNO, imap.CodeContactAdmin, "You need to fill in the form at http://example.com"},
		{`a NO [NOPERM] Access denied`, imap.StatusNO, imap.CodeNoPerm, "Access denied"},
		{`a NO [INUSE] Mailbox in use`, imap.StatusNO, imap.CodeInUse, "Mailbox in use"},
		{`a OK [EXPUNGEISSUED] Search completed`, imap.StatusOK, imap.CodeExpungeIssued, "Search completed"},
		{`a NO [CORRUPTION] Cannot open mailbox`, imap.StatusNO, imap.CodeCorruption, "Cannot open mailbox"},
		{`a NO [SERVERBUG] UID FETCH temporarily failed`, imap.StatusNO, imap.CodeServerBug, "UID FETCH temporarily failed"},
		{`a OK [CLIENTBUG] Done`, imap.StatusOK, imap.CodeClientBug, "Done"},
		{`a NO [CANNOT] Adjacent slashes are not supported`, imap.StatusNO, imap.CodeCannot, "Adjacent slashes are not supported"},
		{`a NO [LIMIT] At most one server-side sort can be performed`, imap.StatusNO, imap.CodeLimit, "At most one server-side sort can be performed"},
		{`a NO [OVERQUOTA] Sorry`, imap.StatusNO, imap.CodeOverQuota, "Sorry"},
		{`a NO [ALREADYEXISTS] Mailbox "that" already exists`, imap.StatusNO, imap.CodeAlreadyExists, `Mailbox "that" already exists`},
		{`a NO [NONEXISTENT] No such mailbox`, imap.StatusNO, imap.CodeNonExistent, "No such mailbox"},
		{`A004 NO [HASCHILDREN] Mailbox has children`, imap.StatusNO, imap.CodeHasChildren, "Mailbox has children"},
		{`a NO [PARSE] Unable to parse the message`, imap.StatusNO, imap.CodeParse, "Unable to parse the message"},
		{`a NO [UNKNOWN-CTE] Can't decode`, imap.StatusNO, imap.CodeUnknownCTE, "Can't decode"},
		{`a NO [X-SOMETHING-NEW 42 (a b)] Unknown codes are kept`, imap.StatusNO, "X-SOMETHING-NEW", "Unknown codes are kept"},
		{`* OK [REFERRAL imap://user;AUTH=*@SERVER2/] Server2 has it`, imap.StatusOK, imap.CodeReferral, "Server2 has it"},
	}
	for _, r := range rows {
		resp := one(t, r.line)
		if resp.Status != r.status || resp.Code != r.code || resp.Text != r.text {
			t.Errorf("%q: got status %q code %q text %q", r.line, resp.Status, resp.Code, resp.Text)
		}
		err := resp.Err()
		if (r.status == imap.StatusOK || r.status == imap.StatusPreAuth) != (err == nil) {
			t.Errorf("%q: Err() = %v", r.line, err)
		}
		if err != nil && r.code != "" && !imap.HasCode(err, r.code) {
			t.Errorf("%q: Err() %v lacks code %s", r.line, err, r.code)
		}
	}
	r := one(t, `* OK [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset`)
	if r.Code != imap.CodeBadCharset || len(r.CodeArgs) != 1 || r.CodeArgs[0].String() != "(UTF-8 US-ASCII)" {
		t.Errorf("BADCHARSET args %v", r.CodeArgs)
	}
}

// RFC 9051 §7.2.2, §7.2.1 (ENABLED), §7.3.*, §7.4, §7.5, §7.6.
func TestRFC9051Data(t *testing.T) {
	caps := must(imap.ParseCapability(one(t, `* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI XPIG-LATIN`)))
	if !caps.Has(imap.CapIMAP4rev2) || !caps.HasAuth("GSSAPI") || !caps.Has("xpig-latin") || caps.Len() != 4 {
		t.Errorf("caps %v", caps)
	}
	caps = must(imap.ParseCapability(one(t, `* OK [CAPABILITY IMAP4rev2 IDLE LITERAL-] ready`)))
	if !caps.Has(imap.CapIdle) || !caps.Has(imap.CapLiteralMinus) {
		t.Errorf("code caps %v", caps)
	}
	en := must(imap.ParseEnabled(one(t, `* ENABLED CONDSTORE QRESYNC`)))
	if len(en) != 2 || en[0] != "CONDSTORE" || en[1] != "QRESYNC" {
		t.Errorf("enabled %v", en)
	}
	l := must(imap.ParseList(one(t, `* LIST (\Noselect) "/" ~/Mail/foo`), false))
	if !l.HasAttr(imap.AttrNoSelect) || l.Name != "~/Mail/foo" || l.Delim != '/' {
		t.Errorf("list %+v", l)
	}
	l = must(imap.ParseList(one(t, `* LIST () NIL ""`), false))
	if l.Delim != 0 || l.Name != "" {
		t.Errorf("flat list %+v", l)
	}
	st := must(imap.ParseStatus(one(t, `* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)`), false))
	if st.Mailbox != "blurdybloop" || st.Messages != 231 || st.UIDNext != 44292 || !st.Has("UIDNEXT") || st.Has("UNSEEN") {
		t.Errorf("status %+v", st)
	}
	for _, tc := range []struct {
		line  string
		check func(*imap.SearchData) bool
	}{
		{`* ESEARCH (TAG "A282") MIN 2 COUNT 3`, func(s *imap.SearchData) bool { return s.Tag == "A282" && s.Min == 2 && s.Count == 3 && s.HasCount }},
		{`* ESEARCH (TAG "A283") ALL 2,10:11`, func(s *imap.SearchData) bool { return s.Seqs.String() == "2,10:11" && !s.UID }},
		{`* ESEARCH (TAG "A285") UID MIN 7 MAX 3800`, func(s *imap.SearchData) bool { return s.UID && s.Min == 7 && s.Max == 3800 }},
		{`* ESEARCH (TAG "A286") COUNT 15`, func(s *imap.SearchData) bool { return s.Count == 15 }},
		{`* ESEARCH UID COUNT 17 ALL 4:18,21,28`, func(s *imap.SearchData) bool { return s.UID && s.UIDs.String() == "4:18,21,28" && s.Count == 17 }},
		{`* ESEARCH (TAG "A301") UID`, func(s *imap.SearchData) bool { return s.UID && s.UIDs.IsEmpty() && !s.HasCount }},
		{`* SEARCH 2 3 6`, func(s *imap.SearchData) bool { return s.Seqs.String() == "2:3,6" }},
		{`* SEARCH`, func(s *imap.SearchData) bool { return s.Seqs.IsEmpty() }},
	} {
		s := must(imap.ParseSearch(one(t, tc.line), false))
		if !tc.check(s) {
			t.Errorf("%s: %+v", tc.line, s)
		}
	}
	if r := one(t, `* 23 EXISTS`); r.Name() != "EXISTS" {
		t.Errorf("EXISTS: %v", r)
	}
	if r := one(t, `* 44 EXPUNGE`); r.Name() != "EXPUNGE" {
		t.Errorf("EXPUNGE: %v", r)
	}
	f := must(imap.ParseFetch(one(t, `* 23 FETCH (FLAGS (\Seen) RFC822.SIZE 44827)`)))
	if f.Seq != 23 || flagsString(f.Flags) != `\Seen` || f.Size != 44827 || !f.HasSize {
		t.Errorf("fetch %+v", f)
	}
	if r := one(t, `+ Ready for additional command text`); !r.IsContinuation() || r.Text != "Ready for additional command text" {
		t.Errorf("continuation %+v", r)
	}
}

func TestRFC9051Namespace(t *testing.T) {
	ns := must(imap.ParseNamespace(one(t, `* NAMESPACE (("" "/")) NIL NIL`), false))
	if len(ns.Personal) != 1 || ns.Personal[0].Prefix != "" || ns.Personal[0].Delim != '/' || ns.Other != nil || ns.Shared != nil {
		t.Errorf("%+v", ns)
	}
	ns = must(imap.ParseNamespace(one(t,
		`* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/")("#public/" "/")("#ftp/" "/")("#news." "."))`), false))
	if len(ns.Shared) != 4 || ns.Shared[3].Prefix != "#news." || ns.Shared[3].Delim != '.' || ns.Other[0].Prefix != "~" {
		t.Errorf("%+v", ns)
	}
	ns = must(imap.ParseNamespace(one(t,
		`* NAMESPACE (("" "/")("#mh/" "/" "X-PARAM" ("FLAG1" "FLAG2"))) NIL NIL`), false))
	if len(ns.Personal) != 2 || len(ns.Personal[1].Extensions) != 1 || ns.Personal[1].Extensions[0].Name != "X-PARAM" {
		t.Errorf("%+v", ns)
	}
}

// RFC 9051 §8 sample session (FETCH FULL, BODY[HEADER], STORE).
func TestRFC9051Sample(t *testing.T) {
	header := "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\nSubject: IMAP4rev2 WG mtg summary and minutes\r\n\r\n"
	rs := decode(t,
		`* 12 FETCH (FLAGS (\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US") ("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))`,
		`a003 OK FETCH completed`,
		"* 12 FETCH (BODY[HEADER] {"+itoa(len(header))+"}\r\n"+header+")",
		`a004 OK FETCH completed`,
		`* 12 FETCH (FLAGS (\Seen \Deleted))`,
		`a005 OK +FLAGS completed`,
		`* BYE IMAP4rev2 server terminating connection`,
		`a006 OK LOGOUT completed`,
	)
	f := must(imap.ParseFetch(rs[0]))
	want := time.Date(1996, 7, 17, 2, 44, 25, 0, time.FixedZone("", -7*3600))
	if !f.InternalDate.Equal(want) || f.Size != 4286 {
		t.Errorf("date %v size %d", f.InternalDate, f.Size)
	}
	e := f.Envelope
	if e == nil || e.Subject != "IMAP4rev2 WG mtg summary and minutes" || e.From[0].Name != "Terry Gray" ||
		e.From[0].Addr() != "gray@cac.washington.edu" || len(e.To) != 1 || len(e.Cc) != 2 ||
		e.Cc[1].Addr() != "KLENSIN@MIT.EDU" || e.Bcc != nil || e.InReplyTo != "" ||
		e.MessageID != "<B27397-0100000@cac.washington.edu>" {
		t.Errorf("envelope %+v", e)
	}
	b := f.BodyStructure
	if b == nil || b.MediaType() != "text/plain" || b.Params["charset"] != "US-ASCII" || b.Encoding != "7BIT" ||
		b.Size != 3028 || b.Lines != 92 || b.Extended {
		t.Errorf("body %+v", b)
	}
	h := must(imap.ParseFetch(rs[2]))
	sec := h.Section("BODY[HEADER]")
	if text, ok := sec.Text(); sec == nil || !ok || text != header || sec.Specifier != "HEADER" {
		t.Errorf("header section %+v", sec)
	}
	s := must(imap.ParseFetch(rs[4]))
	if !imap.HasFlag(s.Flags, imap.FlagDeleted) || !s.HasFlags {
		t.Errorf("store %+v", s)
	}
	if rs[6].Status != imap.StatusBYE {
		t.Errorf("BYE %v", rs[6])
	}
}

// RFC 3501 §7.4.2 BODYSTRUCTURE example, and extension data.
func TestBodyStructure(t *testing.T) {
	f := must(imap.ParseFetch(one(t,
		`* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED"))`)))
	b := f.BodyStructure
	if !b.IsMultipart() || b.Subtype != "MIXED" || len(b.Parts) != 2 || b.Parts[1].Params["name"] != "cc.diff" ||
		b.Parts[1].ID != "<960723163407.20117h@cac.washington.edu>" || b.Parts[1].Description != "Compiler diff" {
		t.Errorf("%+v", b)
	}
	f = must(imap.ParseFetch(one(t,
		`* 2 FETCH (UID 7 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 120 4 NIL NIL NIL NIL)`+
			`("message" "rfc822" NIL NIL NIL "7bit" 300 ("Mon, 1 Jan 2024 00:00:00 +0000" "inner" NIL NIL NIL NIL NIL NIL NIL "<i@x>") ("text" "plain" NIL NIL NIL "7bit" 10 1) 12 NIL ("attachment" ("filename" "inner.eml")) NIL NIL)`+
			`("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 4000 "md5sum" ("attachment" ("filename" "a.pdf")) ("en" "de") "http://x/a.pdf" "ext1" (1 2))`+
			` "mixed" ("boundary" "b1") NIL "en" NIL))`)))
	b = f.BodyStructure
	if f.UID != 7 || !b.Extended || b.Params["boundary"] != "b1" || len(b.Language) != 1 || b.Language[0] != "en" {
		t.Errorf("multipart ext %+v", b)
	}
	msg := b.Parts[1]
	if msg.Envelope == nil || msg.Envelope.Subject != "inner" || msg.Message == nil || msg.Message.Size != 10 ||
		msg.Lines != 12 || msg.Disposition != "attachment" || msg.DispositionParams["filename"] != "inner.eml" {
		t.Errorf("message part %+v", msg)
	}
	pdf := b.Parts[2]
	if pdf.MD5 != "md5sum" || len(pdf.Language) != 2 || pdf.Location != "http://x/a.pdf" || len(pdf.Extensions) != 2 {
		t.Errorf("pdf part %+v", pdf)
	}
	var paths []string
	b.Walk(func(path []int, p *imap.BodyStructure) bool {
		paths = append(paths, pathString(path)+"="+p.MediaType())
		return true
	})
	if got := joinStrings(paths); got != "=multipart/mixed 1=text/plain 2=message/rfc822 2.1=text/plain 3=application/pdf" {
		t.Errorf("walk: %s", got)
	}
}

// RFC 9051 §6.3.9 LIST examples and §6.4.4–§6.4.9 SEARCH, FETCH, STORE, UID examples.
func TestRFC9051CommandExamples(t *testing.T) {
	lists := []struct {
		line  string
		name  string
		delim rune
		attr  imap.MailboxAttr
	}{
		{`* LIST (\Noselect) "/" ""`, "", '/', imap.AttrNoSelect},
		{`* LIST (\Noselect) "." #news.`, "#news.", '.', imap.AttrNoSelect},
		{`* LIST (\Noselect) "/" /`, "/", '/', imap.AttrNoSelect},
		{`* LIST (\Noselect) "/" ~/Mail/foo`, "~/Mail/foo", '/', imap.AttrNoSelect},
		{`* LIST () "/" ~/Mail/meetings`, "~/Mail/meetings", '/', ""},
		{`* LIST (\Marked \NoInferiors) "/" "inbox"`, "INBOX", '/', imap.AttrNoInferiors},
		{`* LIST (\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))`, "Fruit", '/', imap.AttrHasChildren},
		{`* LIST (\NonExistent \HasChildren) "/" "Tofu"`, "Tofu", '/', imap.AttrNonExistent},
		{`* LIST (\Subscribed \Remote) "/" "Bread"`, "Bread", '/', imap.AttrRemote},
		{`* LIST () "\\" Foo\Bar`, `Foo\Bar`, '\\', ""},
		{`* LIST (\HasNoChildren) NIL "Flat"`, "Flat", 0, ""},
	}
	for _, r := range lists {
		l := must(imap.ParseList(one(t, r.line), false))
		if l.Name != r.name || l.Delim != r.delim || (r.attr != "" && !l.HasAttr(r.attr)) {
			t.Errorf("%s: %+v", r.line, l)
		}
	}
	if s := must(imap.ParseSearch(one(t, `* SEARCH 2 84 882`), false)); s.Seqs.Len() != 3 || !s.Seqs.Contains(84) {
		t.Errorf("%+v", s)
	}
	if s := must(imap.ParseSearch(one(t, `* ESEARCH (TAG "A285") ALL 43`), false)); s.Seqs.String() != "43" {
		t.Errorf("%+v", s)
	}
	f := must(imap.ParseFetch(one(t, `* 23 FETCH (FLAGS (\Seen) UID 4827313)`)))
	if f.UID != 4827313 || f.Seq != 23 {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 2 FETCH (FLAGS (\Deleted \Seen))`)))
	if !imap.HasFlag(f.Flags, imap.FlagDeleted) || !imap.HasFlag(f.Flags, imap.FlagSeen) {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, "* 4 FETCH (FLAGS (\\Seen) UID 4827313 BODY[HEADER] {21}\r\nSubject: x\r\nTo: y\r\n\r\n)")))
	if s := f.Section("BODY[HEADER]"); s == nil || f.UID != 4827313 {
		t.Errorf("%+v", f)
	}
	listing := must(imap.ParseListing(decode(t,
		`* LIST (\HasNoChildren) "." "INBOX"`,
		`* STATUS "INBOX" (MESSAGES 17 UNSEEN 16)`,
		`* LIST () "." "foo"`,
		`* STATUS "foo" (MESSAGES 30 UNSEEN 29)`,
		`* LIST (\NoSelect) "." "bar"`,
	), false))
	if len(listing) != 3 || listing[0].Status == nil || listing[0].Status.Messages != 17 || listing[1].Status.Unseen != 29 || listing[2].Status != nil {
		t.Errorf("LIST-STATUS (RFC 5819 §2 example) %+v", listing)
	}
}
