package imap_test

import (
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// RFC 7162 (CONDSTORE/QRESYNC) server examples.
func TestRFC7162(t *testing.T) {
	var s imap.SelectData
	for _, r := range decode(t,
		`* 172 EXISTS`,
		`* OK [UIDVALIDITY 3857529045] UIDs valid`,
		`* OK [UIDNEXT 4392] Predicted next UID`,
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited`,
		`* OK [HIGHESTMODSEQ 715194045007]`,
		`* VANISHED (EARLIER) 41,43:116,118,120:211,214:540`,
		`* 49 FETCH (UID 117 FLAGS (\Seen \Answered) MODSEQ (90060115194045001))`,
		`* 50 FETCH (UID 119 FLAGS (\Draft $MDNSent) MODSEQ (90060115194045308))`,
		`* 51 FETCH (UID 541 FLAGS (\Seen $Forwarded) MODSEQ (90060115194045001))`,
		`A02 OK [READ-WRITE] mailbox selected`,
	) {
		must(s.Apply(r))
	}
	if s.HighestModSeq != 715194045007 || s.Vanished.String() != "41,43:116,118,120:211,214:540" || len(s.Changed) != 3 ||
		s.Changed[1].UID != 119 || s.Changed[1].ModSeq != 90060115194045308 || !imap.HasFlag(s.Changed[1].Flags, imap.FlagMDNSent) {
		t.Errorf("QRESYNC select %+v", s)
	}
	// A CLOSED code discards what belonged to the previous mailbox.
	must(s.Apply(one(t, `* OK [CLOSED]`)))
	if s.Exists != 0 || !s.Vanished.IsEmpty() {
		t.Errorf("CLOSED did not reset: %+v", s)
	}
	must(s.Apply(one(t, `* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences`)))
	if !s.NoModSeq {
		t.Error("NOMODSEQ")
	}
	f := must(imap.ParseFetch(one(t, `* 7 FETCH (MODSEQ (320162342) FLAGS (\Seen \Deleted))`)))
	if f.ModSeq != 320162342 || len(f.Flags) != 2 {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\Seen))`)))
	if f.UID != 4 || f.ModSeq != 65402 {
		t.Errorf("%+v", f)
	}
	r := one(t, `d105 OK [MODIFIED 7,9] Conditional STORE failed`)
	if m := must(imap.ParseModified(r.CodeArgs)); m.String() != "7,9" {
		t.Errorf("MODIFIED %v", m)
	}
	sd := must(imap.ParseSearch(one(t, `* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)`), false))
	if sd.ModSeq != 917162500 || sd.Seqs.String() != "2,5:7,11:12,18:20,23" {
		t.Errorf("%+v", sd)
	}
	sd = must(imap.ParseSearch(one(t, `* ESEARCH (TAG "a") ALL 1:3,5 MODSEQ 1236`), false))
	if sd.ModSeq != 1236 || sd.Seqs.String() != "1:3,5" {
		t.Errorf("%+v", sd)
	}
	st := must(imap.ParseStatus(one(t, `* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)`), false))
	if st.HighestModSeq != 7011231777 {
		t.Errorf("%+v", st)
	}
	v := must(imap.ParseVanished(one(t, `* VANISHED 405,407,410,425`)))
	if v.Earlier || v.UIDs.Len() != 4 || !v.UIDs.Contains(410) {
		t.Errorf("%+v", v)
	}
	if en := must(imap.ParseEnabled(one(t, `* ENABLED QRESYNC`))); len(en) != 1 || en[0] != imap.CapQResync {
		t.Errorf("%v", en)
	}
}

// RFC 4315 (UIDPLUS) examples.
func TestRFC4315(t *testing.T) {
	r := one(t, `A003 OK [APPENDUID 38505 3955] APPEND completed`)
	a := must(imap.ParseAppendUID(r.CodeArgs))
	if a.UIDValidity != 38505 || a.UIDs.String() != "3955" {
		t.Errorf("%+v", a)
	}
	r = one(t, `A004 OK [COPYUID 38505 304,319:320 3956:3958] Done`)
	c := must(imap.ParseCopyUID(r.CodeArgs))
	if c.UIDValidity != 38505 || c.Source.String() != "304,319:320" || c.Dest.String() != "3956:3958" {
		t.Errorf("%+v", c)
	}
	r = one(t, `* NO [UIDNOTSTICKY] Non-persistent UIDs`)
	if r.Code != imap.CodeUIDNotSticky {
		t.Errorf("%v", r)
	}
	rs := decode(t, `* 3 EXPUNGE`, `* 3 EXPUNGE`, `* 3 EXPUNGE`, `* 3 EXPUNGE`, `A003 OK UID EXPUNGE completed`)
	if len(rs) != 5 || rs[0].Name() != "EXPUNGE" || rs[4].Err() != nil {
		t.Errorf("%v", rs)
	}
	if _, err := imap.ParseCopyUID(one(t, `a OK [COPYUID 1 1:3 5:6] bad`).CodeArgs); err == nil {
		t.Error("COPYUID with sets of different size accepted")
	}
}

// RFC 6851 (MOVE) examples.
func TestRFC6851(t *testing.T) {
	rs := decode(t,
		`* OK [COPYUID 432432 42:69 1202:1229]`,
		`* 22 EXPUNGE`,
		`* 22 EXPUNGE`,
		`a OK Done`,
		`* OK [COPYUID 432432 42:69 1202:1229]`,
		`* VANISHED 42:69`,
		`b OK Move completed`,
	)
	c := must(imap.ParseCopyUID(rs[0].CodeArgs))
	if c.Source.Len() != 28 || c.Dest.String() != "1202:1229" {
		t.Errorf("%+v", c)
	}
	if v := must(imap.ParseVanished(rs[5])); v.UIDs.String() != "42:69" {
		t.Errorf("%+v", v)
	}
	r := one(t, `c NO [TRYCREATE] No such mailbox`)
	if !imap.HasCode(r.Err(), imap.CodeTryCreate) {
		t.Errorf("%v", r)
	}
}

// RFC 5465 (NOTIFY) examples.
func TestRFC5465(t *testing.T) {
	hdr := "Subject: Re: good morning\r\nFrom: alice@example.org\r\nTo: bob@example.org\r\n\r\n"
	rs := decode(t,
		`* STATUS Lists/Lemonade (UIDVALIDITY 4 UIDNEXT 9999 MESSAGES 500)`,
		"* 127 FETCH (UID 127001 BODY[HEADER.FIELDS (From To Subject)] {"+itoa(len(hdr))+"}\r\n"+hdr+")",
		`* LIST () "/" "NewMailbox"`,
		`* OK [NOTIFICATIONOVERFLOW] ...A01 NOTIFY SET is no longer in effect`,
		`a NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Unsupported event`,
		`* 3 FETCH (UID 4 FLAGS (\Seen))`,
		`a OK done`,
	)
	st := must(imap.ParseStatus(rs[0], false))
	if st.Mailbox != "Lists/Lemonade" || st.UIDValidity != 4 || st.UIDNext != 9999 || st.Messages != 500 {
		t.Errorf("%+v", st)
	}
	f := must(imap.ParseFetch(rs[1]))
	sec := f.Section("BODY[HEADER.FIELDS (FROM TO SUBJECT)]")
	if text, _ := sec.Text(); sec == nil || text != hdr || len(sec.Fields) != 3 || f.UID != 127001 {
		t.Errorf("%+v", f)
	}
	if rs[3].Code != "NOTIFICATIONOVERFLOW" || rs[4].Code != "BADEVENT" || len(rs[4].CodeArgs) != 1 {
		t.Errorf("%v / %v", rs[3], rs[4])
	}
}

// RFC 2177 (IDLE) example.
func TestRFC2177(t *testing.T) {
	rs := decode(t, `+ idling`, `* 4 EXISTS`, `* 2 EXPUNGE`, `* 3 EXPUNGE`, `A002 OK IDLE terminated`)
	if !rs[0].IsContinuation() || rs[0].Text != "idling" {
		t.Errorf("%+v", rs[0])
	}
	if n, _ := rs[1].Num(); n != 4 || rs[1].Name() != "EXISTS" {
		t.Errorf("%v", rs[1])
	}
	if rs[4].Tag != "A002" || rs[4].Status != imap.StatusOK {
		t.Errorf("%v", rs[4])
	}
}

// Gmail IMAP extensions (X-GM-EXT-1) documentation examples.
func TestGmail(t *testing.T) {
	caps := must(imap.ParseCapability(one(t,
		`* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA XLIST CHILDREN XYZZY SASL-IR AUTH=XOAUTH X-GM-EXT-1`)))
	if !caps.Has(imap.CapGmailExt) {
		t.Error("X-GM-EXT-1")
	}
	f := must(imap.ParseFetch(one(t, `* 1 FETCH (X-GM-MSGID 1278455344230334865)`)))
	if f.GmailMsgID != 1278455344230334865 {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 2 FETCH (X-GM-THRID 1266894439832287888 UID 2)`)))
	if f.GmailThreadID != 1266894439832287888 || f.UID != 2 {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 1 FETCH (X-GM-LABELS (\Inbox \Sent Important "Muy Importante"))`)))
	if joinStrings(f.GmailLabels) != `\Inbox \Sent Important Muy Importante` || len(f.GmailLabels) != 4 {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 3 FETCH (X-GM-LABELS ())`)))
	if !f.HasGmailLabels || len(f.GmailLabels) != 0 {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 1 FETCH (X-GM-THRID 1266894439832287888 X-GM-MSGID 1266894439832287888 X-GM-LABELS (\Drafts) UID 1 FLAGS (\Seen))`)))
	if f.GmailThreadID == 0 || f.GmailMsgID == 0 || f.GmailLabels[0] != `\Drafts` {
		t.Errorf("%+v", f)
	}
	l := must(imap.ParseList(one(t, `* LIST (\HasNoChildren \All) "/" "[Gmail]/All Mail"`), false))
	if l.SpecialUse() != imap.AttrAll || l.Name != "[Gmail]/All Mail" {
		t.Errorf("%+v", l)
	}
	if s := must(imap.ParseSearch(one(t, `* SEARCH 1`), true)); s.UIDs.String() != "1" {
		t.Errorf("%+v", s)
	}
}

// RFC 8474 (OBJECTID), RFC 2971 (ID), RFC 5258/6154 (LIST-EXTENDED, SPECIAL-USE).
func TestObjectIDAndIDAndList(t *testing.T) {
	f := must(imap.ParseFetch(one(t, `* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))`)))
	if f.EmailID != "M6d99ac3275bb4e" || f.ThreadID != "T64b478a75b7ea9" {
		t.Errorf("%+v", f)
	}
	f = must(imap.ParseFetch(one(t, `* 2 FETCH (EMAILID (M5fdc09b49ea703) THREADID NIL)`)))
	if f.EmailID != "M5fdc09b49ea703" || f.ThreadID != "" {
		t.Errorf("%+v", f)
	}
	var s imap.SelectData
	must(s.Apply(one(t, `* OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok`)))
	if s.MailboxID != "F2212ea87-6097-4256-9d51-71338625" {
		t.Errorf("%+v", s)
	}
	id := must(imap.ParseID(one(t, `* ID ("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" "support-url" "mailto:cyrus-bugs+@andrew.cmu.edu")`)))
	if id["name"] != "Cyrus" || id["support-url"] != "mailto:cyrus-bugs+@andrew.cmu.edu" || len(id) != 5 {
		t.Errorf("%v", id)
	}
	if id := must(imap.ParseID(one(t, `* ID NIL`))); id != nil {
		t.Errorf("%v", id)
	}
	l := must(imap.ParseList(one(t, `* LIST () "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))`), false))
	if len(l.ChildInfo) != 1 || l.ChildInfo[0] != "SUBSCRIBED" {
		t.Errorf("%+v", l)
	}
	l = must(imap.ParseList(one(t, `* LIST (\Subscribed \NonExistent) "/" "Fruit/Peach"`), false))
	if !l.HasAttr(imap.AttrNonExistent) || !l.HasAttr(`\subscribed`) {
		t.Errorf("%+v", l)
	}
	l = must(imap.ParseList(one(t, `* LIST () "/" "NewMailbox" ("OLDNAME" ("OldMailbox"))`), false))
	if l.OldName != "OldMailbox" {
		t.Errorf("%+v", l)
	}
	l = must(imap.ParseList(one(t, `* LIST (\HasNoChildren \Drafts) "." Entw&APw-rfe`), false))
	if l.Name != "Entwürfe" || l.SpecialUse() != imap.AttrDrafts || l.Delim != '.' {
		t.Errorf("%+v", l)
	}
	l = must(imap.ParseList(one(t, `* LIST (\HasNoChildren) "/" "Entwürfe"`), true))
	if l.Name != "Entwürfe" {
		t.Errorf("%+v", l)
	}
	if _, err := imap.ParseList(one(t, `* LIST () "/" "&Jjo"`), false); err == nil {
		t.Error("malformed mUTF-7 name accepted")
	}
	l = must(imap.ParseList(one(t, `* LIST () "/" inbox`), false))
	if l.Name != "INBOX" {
		t.Errorf("%+v", l)
	}
}

func TestSections(t *testing.T) {
	rows := []struct {
		in, spec string
		part     int
		origin   uint64
	}{
		{"BODY[]", "BODY[]", 0, 0},
		{"BODY[]<0>", "BODY[]", 0, 0},
		{"BODY[1.2.HEADER]<1024>", "BODY[1.2.HEADER]", 2, 1024},
		{"BINARY[3]", "BINARY[3]", 1, 0},
		{"BODY.PEEK[HEADER.FIELDS (From To)]", "BODY[HEADER.FIELDS (FROM TO)]", 0, 0},
		{"RFC822", "BODY[]", 0, 0},
		{"RFC822.HEADER", "BODY[HEADER]", 0, 0},
		{"BODY[2.MIME]", "BODY[2.MIME]", 1, 0},
	}
	for _, r := range rows {
		s := must(imap.ParseSection(r.in))
		if s.Spec() != r.spec || len(s.Part) != r.part || s.Origin != r.origin {
			t.Errorf("%s: %+v (spec %s)", r.in, s, s.Spec())
		}
	}
	for _, bad := range []string{"BODY", "BODY[0]", "BODY[FOO]", "BODY[]<x>", "HEAD[]"} {
		if _, err := imap.ParseSection(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	f := must(imap.ParseFetch(one(t, `* 5 FETCH (BINARY.SIZE[1] 2048 UID 9 X-UNKNOWN (a b))`)))
	if len(f.BinarySizes) != 1 || f.BinarySizes[0].Size != 2048 || len(f.Other) != 1 || f.Other[0].Name != "X-UNKNOWN" {
		t.Errorf("%+v", f)
	}
}
