package imap_test

import (
	"slices"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

func TestGmailLabelsDecoded(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`* 1 FETCH (X-GM-LABELS (\Inbox "&AMk-conomie" Work "R&-D" "Muy Importante"))`, []string{`\Inbox`, "Économie", "Work", "R&D", "Muy Importante"}},
		{`* 1 FETCH (X-GM-LABELS NIL)`, []string{}},
		{`* 1 FETCH (X-GM-LABELS ("bad&"))`, []string{"bad&"}}, // not modified UTF-7: kept as sent
	}
	for _, tc := range cases {
		f := must(imap.ParseFetch(one(t, tc.in)))
		if !f.HasGmailLabels || !slices.Equal(f.GmailLabels, tc.want) {
			t.Errorf("%s: labels %q, want %q", tc.in, f.GmailLabels, tc.want)
		}
	}
	if _, err := imap.ParseFetch(one(t, `* 1 FETCH (X-GM-MSGID "x")`)); err == nil {
		t.Error("X-GM-MSGID string accepted")
	}
	f := must(imap.ParseFetch(one(t, `* 1 FETCH (X-GM-MSGID 18446744073709551615 X-GM-THRID 1)`)))
	if f.GmailMsgID != 1<<64-1 || f.GmailThreadID != 1 {
		t.Errorf("ids %d %d", f.GmailMsgID, f.GmailThreadID)
	}
}

func TestGmailLabelName(t *testing.T) {
	for label, name := range map[string]string{`\Inbox`: "Inbox", `\INBOX`: "Inbox", `\Sent`: "Sent", `\Draft`: "Drafts",
		`\Important`: "Important", `\Starred`: "Starred", `\Trash`: "Trash", `\Spam`: "Spam", "Work": "Work", "Économie": "Économie"} {
		if got := imap.GmailLabelName(label); got != name {
			t.Errorf("GmailLabelName(%q) = %q, want %q", label, got, name)
		}
		if back := imap.GmailLabelFromName(name); !imap.IsGmailSystemLabel(label) && back != label || imap.IsGmailSystemLabel(label) && !imap.IsGmailSystemLabel(back) {
			t.Errorf("GmailLabelFromName(%q) = %q", name, back)
		}
	}
}
