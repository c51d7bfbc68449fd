package imapstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

func TestNamesRoundTrip(t *testing.T) {
	cases := []struct {
		n               names
		neutral, server string
	}{
		{names{delim: '/'}, "INBOX", "INBOX"},
		{names{delim: '/'}, "inbox", "INBOX"},
		{names{delim: '/'}, "Archive/2024", "Archive/2024"},
		{names{delim: '/'}, "Entwürfe", "Entwürfe"},
		{names{prefix: "INBOX.", delim: '.'}, "INBOX", "INBOX"},
		{names{prefix: "INBOX.", delim: '.'}, "Sent", "INBOX.Sent"},
		{names{prefix: "INBOX.", delim: '.'}, "Listen/Go/Nüsse", "INBOX.Listen.Go.Nüsse"},
		{names{delim: '.'}, "Archive/2024", "Archive.2024"},
		{names{}, "Flat", "Flat"},
	}
	for _, c := range cases {
		got, err := c.n.toServer(c.neutral)
		if err != nil || got != c.server {
			t.Errorf("%+v toServer(%q) = %q, %v; want %q", c.n, c.neutral, got, err, c.server)
		}
		back, ok := c.n.toNeutral(c.server)
		want := c.neutral
		if want == "inbox" {
			want = "INBOX"
		}
		if !ok || back != want {
			t.Errorf("%+v toNeutral(%q) = %q, %v; want %q", c.n, c.server, back, ok, want)
		}
	}
}

func TestNamesRejected(t *testing.T) {
	bad := []struct {
		n    names
		name string
	}{
		{names{delim: '.'}, "a.b"},    // holds the delimiter
		{names{}, "Archive/2024"},     // nested on a flat server
		{names{delim: '/'}, "/lead"},  // empty level
		{names{delim: '/'}, "trail/"}, // empty level
		{names{delim: '/'}, "a//b"},   // empty level
		{names{delim: '/'}, ""},       // empty
	}
	for _, c := range bad {
		if s, err := c.n.toServer(c.name); !errors.Is(err, store.ErrUnsupported) {
			t.Errorf("%+v toServer(%q) = %q, %v; want ErrUnsupported", c.n, c.name, s, err)
		}
	}
}

func TestNamesOutsideNamespace(t *testing.T) {
	n := names{prefix: "INBOX.", delim: '.', others: []string{"shared."}}
	for _, srv := range []string{"shared.bob", "Trash", "INBOX.", "INBOX.a/b"} {
		if got, ok := n.toNeutral(srv); ok {
			t.Errorf("toNeutral(%q) = %q, want left out", srv, got)
		}
	}
	n = names{delim: '/', others: []string{"Shared/", "Other Users/"}}
	for _, srv := range []string{"Shared/bob/INBOX", "Shared", "Other Users/x"} {
		if got, ok := n.toNeutral(srv); ok {
			t.Errorf("toNeutral(%q) = %q, want left out", srv, got)
		}
	}
	if got, ok := n.toNeutral("inbox"); !ok || got != "INBOX" {
		t.Errorf(`toNeutral("inbox") = %q, %v`, got, ok)
	}
	if got, ok := (names{prefix: "INBOX.", delim: '.'}).toNeutral("inbox.Sent"); !ok || got != "Sent" {
		t.Errorf(`toNeutral("inbox.Sent") = %q, %v: the INBOX prefix is case-insensitive`, got, ok)
	}
}

func TestCapsFeatures(t *testing.T) {
	dovecot := imap.NewCapSet("IMAP4rev1", "CONDSTORE", "QRESYNC", "ENABLE", "UIDPLUS", "MOVE", "ESEARCH", "SPECIAL-USE", "LIST-EXTENDED", "LIST-STATUS", "UNSELECT", "LITERAL+")
	gmail := imap.NewCapSet("IMAP4rev1", "CONDSTORE", "ENABLE", "UIDPLUS", "MOVE", "X-GM-EXT-1", "SPECIAL-USE", "LIST-EXTENDED")
	objid := imap.NewCapSet("IMAP4rev1", "OBJECTID", "LIST-STATUS")
	cases := []struct {
		name     string
		set      imap.CapSet
		disabled []imap.Cap
		want     store.Features
	}{
		{"dovecot", dovecot, nil, store.Features{Changes: true, CondStore: true, QResync: true, UIDPlus: true, Move: true}},
		{"dovecot without QRESYNC", dovecot, []imap.Cap{imap.CapQResync}, store.Features{Changes: true, CondStore: true, UIDPlus: true, Move: true}},
		{"dovecot without CONDSTORE", dovecot, []imap.Cap{imap.CapCondStore}, store.Features{UIDPlus: true, Move: true}},
		{"gmail", gmail, nil, store.Features{Changes: true, CondStore: true, UIDPlus: true, Move: true, GmailLabels: true, StableIDs: true}},
		{"objectid", objid, nil, store.Features{StableIDs: true, MailboxIDs: true}},
		{"QRESYNC without ENABLE", imap.NewCapSet("QRESYNC"), nil, store.Features{Changes: true, CondStore: true}},
		{"bare", imap.NewCapSet("IMAP4rev1"), nil, store.Features{}},
	}
	for _, c := range cases {
		if got := capsOf(c.set, c.disabled).features(); got != c.want {
			t.Errorf("%s: features %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestKeywordsAllowed(t *testing.T) {
	cases := []struct {
		sel  imap.SelectData
		want bool
	}{
		{imap.SelectData{HasPermanentFlags: true, PermanentFlags: []imap.Flag{`\Seen`, `\*`}}, true},
		{imap.SelectData{HasPermanentFlags: true, PermanentFlags: []imap.Flag{`\Seen`, `\Deleted`}}, false},
		{imap.SelectData{}, true}, // RFC 3501 §7.1: no PERMANENTFLAGS, all flags permanent
	}
	for _, c := range cases {
		if got := keywordsAllowed(&c.sel); got != c.want {
			t.Errorf("keywordsAllowed(%+v) = %v, want %v", c.sel, got, c.want)
		}
	}
}

func TestHeaderMessageID(t *testing.T) {
	cases := map[string]string{
		"Message-ID: <a@b>\r\n\r\n":               "a@b",
		"message-id:   <a@b>  \r\n\r\n":           "a@b",
		"Message-ID:\r\n <folded@x>\r\n\r\n":      "folded@x",
		"Subject: x\r\nMessage-Id: <c@d> (c)\r\n": "c@d",
		"Message-ID: bare@id\r\n":                 "bare@id",
		"Subject: none\r\n\r\n":                   "",
		"":                                        "",
	}
	for in, want := range cases {
		if got := headerMessageID([]byte(in)); got != want {
			t.Errorf("headerMessageID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScanRanges(t *testing.T) {
	sc := scan{top: 25}
	var got []string
	lo, chunk := uint64(1), uint64(10)
	for {
		set, hi, open := sc.rangeAt(lo, chunk)
		got = append(got, set.String())
		if open {
			break
		}
		lo = uint64(hi) + 1
	}
	if want := "[1:10 11:20 21:*]"; fmtList(got) != want {
		t.Errorf("ranges %v, want %s", got, want)
	}
	if set, hi, last := (scan{top: 25, closed: true}).rangeAt(21, 10); !last || hi != 25 || set.String() != "21:25" {
		t.Errorf("closed scan's last chunk: %v up to %d (last %v), want 21:25", set.String(), hi, last)
	}
	if set, _, open := (scan{}).rangeAt(7, 10); !open || set.String() != "7:*" {
		t.Errorf("no top: %v open %v, want 7:* open", set.String(), open)
	}
	if set, _, _ := (scan{top: 4294967295, closed: true}).rangeAt(4294967290, 100); set.String() != "4294967290:4294967295" {
		t.Errorf("range near the UID limit: %v", set.String())
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

func TestFromFlags(t *testing.T) {
	got := fromFlags(store.NewFlags(`\seen`, `\Recent`, "$Forwarded", "with space", "Überweisung", "work", "a]b"))
	want := imap.List{imap.Flag(`$Forwarded`), imap.Flag(`\Seen`), imap.Flag("work")}
	if len(got) != len(want) {
		t.Fatalf("fromFlags = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("fromFlags[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestToMessage(t *testing.T) {
	fd := &imap.FetchData{
		UID: 7, Flags: []imap.Flag{`\seen`, `\Recent`, "$forwarded"}, Size: 120, HasSize: true,
		ModSeq: 42, GmailMsgID: 1278455344230334865, GmailThreadID: 1266894439832287888,
		GmailLabels: []string{`\Inbox`, `\Starred`, "Été"}, EmailID: "M6d99ac3275bb4e", ThreadID: "T64b478a75b7ea9",
	}
	gmail := (&Store{caps: caps{condStore: true, gmail: true}}).toMessage(fd)
	if gmail.EmailID != "1278455344230334865" || gmail.ThreadID != "1266894439832287888" || !slices.Equal(gmail.Labels, []string{"Inbox", "Été"}) {
		t.Errorf("Gmail message: %+v", gmail)
	}
	if !gmail.Flags.Equal(store.Flags{store.Seen, store.Forwarded}) || gmail.ModSeq != 42 || gmail.Size != 120 {
		t.Errorf("Gmail message flags/modseq/size: %+v", gmail)
	}
	obj := (&Store{caps: caps{objectID: true}}).toMessage(fd)
	if obj.EmailID != "M6d99ac3275bb4e" || obj.ThreadID != "T64b478a75b7ea9" || obj.Labels != nil || obj.ModSeq != 0 {
		t.Errorf("OBJECTID message: %+v", obj)
	}
	plain := (&Store{}).toMessage(fd)
	if plain.EmailID != "" || plain.Labels != nil || plain.ModSeq != 0 {
		t.Errorf("plain message shows ids it does not claim: %+v", plain)
	}
}

func TestGrade(t *testing.T) {
	cases := []struct {
		err      error
		scope    store.Scope
		retry    bool
		sentinel error
	}{
		{context.Canceled, store.ScopeCanceled, false, store.ErrCanceled},
		{&imapclient.ConnError{Op: "read", Err: io.ErrUnexpectedEOF}, store.ScopeMailbox, true, store.ErrMailbox},
		{&imap.Error{Status: imap.StatusNO, Code: imap.CodeNonExistent}, store.ScopeMailbox, false, store.ErrMailboxNotFound},
		{&imap.Error{Status: imap.StatusNO, Code: imap.CodeTryCreate}, store.ScopeMailbox, false, store.ErrMailboxNotFound},
		{&imap.Error{Status: imap.StatusNO, Code: imap.CodeAlreadyExists}, store.ScopeMailbox, false, store.ErrMailboxExists},
		{&imap.Error{Status: imap.StatusNO, Code: imap.CodeInUse}, store.ScopeMailbox, true, store.ErrMailbox},
		{&imap.Error{Status: imap.StatusBAD}, store.ScopeMailbox, false, store.ErrMailbox},
	}
	for _, c := range cases {
		err := grade("op", "INBOX", 3, fmt.Errorf("wrapped: %w", c.err))
		if store.ScopeOf(err) != c.scope || store.IsRetryable(err) != c.retry || !errors.Is(err, c.sentinel) || !errors.Is(err, c.err) {
			t.Errorf("grade(%v) = %v: scope %v retryable %v, want %v %v wrapping %v", c.err, err, store.ScopeOf(err), store.IsRetryable(err), c.scope, c.retry, c.sentinel)
		}
	}
	if grade("op", "", 0, nil) != nil {
		t.Errorf("grade(nil) is not nil")
	}
}
