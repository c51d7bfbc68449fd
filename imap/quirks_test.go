package imap_test

import (
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
)

// TestServerQuirks: responses seen from real servers that bend the grammar
// decode to what the server meant.
func TestServerQuirks(t *testing.T) {
	// imap.qq.com: space before the closing parenthesis.
	f := must(imap.ParseFetch(one(t, `* 11487 FETCH (UID 19436 )`)))
	if f.UID != 19436 || f.Seq != 11487 {
		t.Errorf("qq FETCH %+v", f)
	}
	// Yahoo: trailing space after SEARCH results; GreenMail: "* SEARCH ".
	if s := must(imap.ParseSearch(one(t, `* SEARCH 169654 169655 `), true)); s.UIDs.String() != "169654:169655" {
		t.Errorf("Yahoo SEARCH %+v", s)
	}
	if s := must(imap.ParseSearch(one(t, `* SEARCH `), true)); !s.UIDs.IsEmpty() {
		t.Errorf("GreenMail SEARCH %+v", s)
	}
	// Trailing space after STATUS (go-imap issue 540, Dovecot behind Exchange).
	if s := must(imap.ParseStatus(one(t, `* STATUS INBOX (MESSAGES 0) `), false)); !s.Has("MESSAGES") {
		t.Errorf("STATUS %+v", s)
	}
	// iCloud: "* BYE" with no SP and no text; ppops.net: "A6 OK".
	if r := one(t, `* BYE`); r.Status != imap.StatusBYE || r.Text != "" {
		t.Errorf("iCloud BYE %+v", r)
	}
	if r := one(t, `A6 OK`); r.Status != imap.StatusOK || r.Tag != "A6" {
		t.Errorf("ppops OK %+v", r)
	}
	// Gmail: HIGHESTMODSEQ code with no text (RFC 7162 erratum 5055).
	var s imap.SelectData
	must(s.Apply(one(t, `* OK [HIGHESTMODSEQ 13637]`)))
	if s.HighestModSeq != 13637 {
		t.Errorf("Gmail HIGHESTMODSEQ %+v", s)
	}
	// Unterminated or malformed codes are text (Mark Crispin, imap-protocol list, 2007).
	for _, line := range []string{`* NO [TRYCREATE`, `* NO [FOO(BAR)]`} {
		if r := one(t, line); r.Code != "" || r.Text != line[5:] {
			t.Errorf("%s: code %q text %q", line, r.Code, r.Text)
		}
	}
	// A server answering MailKit (issue 323): MODSEQ in parentheses in ESEARCH.
	e := must(imap.ParseSearch(one(t, `* ESEARCH (TAG "A00000012") UID ALL 33866,33897,33906 (MODSEQ 284535)`), false))
	if e.ModSeq != 284535 || e.UIDs.Len() != 3 {
		t.Errorf("ESEARCH %+v", e)
	}
	// Lower-case names.
	if f := must(imap.ParseFetch(one(t, `* 1 fetch (uid 5 flags (\seen))`))); f.UID != 5 || f.Flags[0] != imap.FlagSeen {
		t.Errorf("lower-case FETCH %+v", f)
	}
}

func TestDateTime(t *testing.T) {
	d := time.Date(1996, 7, 7, 2, 44, 25, 0, time.FixedZone("", -7*3600))
	if s := imap.FormatDateTime(d); s != " 7-Jul-1996 02:44:25 -0700" {
		t.Errorf("FormatDateTime = %q", s)
	}
	for _, s := range []string{" 7-Jul-1996 02:44:25 -0700", "07-Jul-1996 02:44:25 -0700", "7-Jul-1996 02:44:25 -0700"} {
		if got, err := imap.ParseDateTime(s); err != nil || !got.Equal(d) {
			t.Errorf("ParseDateTime(%q) = %v, %v", s, got, err)
		}
	}
	// A bad INTERNALDATE does not spoil the other items.
	f := must(imap.ParseFetch(one(t, `* 1 FETCH (UID 3 INTERNALDATE "yesterday")`)))
	if f.UID != 3 || !f.InternalDate.IsZero() || len(f.Other) != 1 || f.Other[0].Name != "INTERNALDATE" {
		t.Errorf("%+v", f)
	}
}

// TestBodyStructureLeniency: odd extension data does not spoil the structure.
func TestBodyStructureLeniency(t *testing.T) {
	f := must(imap.ParseFetch(one(t,
		`* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL "inline" NIL NIL)("APPLICATION" "PDF" ("NAME" NIL) NIL NIL "BASE64" 100 NIL ("attachment" "bogus") NIL NIL) "MIXED" "bogus-params" NIL NIL NIL) FLAGS ("\\Seen"))`)))
	b := f.BodyStructure
	if len(b.Parts) != 2 || b.Parts[0].Disposition != "inline" || b.Parts[1].Disposition != "attachment" ||
		b.Parts[1].Params["name"] != "" || !imap.HasFlag(f.Flags, imap.FlagSeen) {
		t.Errorf("%+v / %+v", b.Parts[0], b.Parts[1])
	}
}
