package syncer

import (
	"reflect"
	"testing"

	"github.com/imapdir/imapdir/store"
)

func TestTranslateFollowsChildren(t *testing.T) {
	m := map[string]string{"Sent Items": "Sent", "Lists": "L", "Lists/Go": "Go"}
	for in, want := range map[string]string{
		"Sent Items": "Sent", "Sent Items/2024": "Sent/2024", "Sent Items 2": "Sent Items 2",
		"Lists/Go/x": "Go/x", "Lists/Rust": "L/Rust", "INBOX": "INBOX",
	} {
		if got := translate(in, m); got != want {
			t.Errorf("translate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpecialPairs(t *testing.T) {
	list := []store.MailboxInfo{
		{Name: "Sent Items", SpecialUse: `\Sent`}, {Name: "Deleted Items", SpecialUse: `\Trash`},
		{Name: "Drafts", SpecialUse: `\Drafts`}, {Name: "Junk E-mail", SpecialUse: `\Junk`},
		{Name: "Archive"}, {Name: "Old", SpecialUse: `\Archive`},
		{Name: "All", SpecialUse: `\All`},
		{Name: "Spam", SpecialUse: `\Junk`},
	}
	got := specialPairs(list, map[string]string{"Deleted Items": "Bin"}, map[string]bool{})
	want := map[string]string{"Sent Items": "Sent"}
	// Deleted Items: mapped explicitly; Drafts: already the name; Junk:
	// two mailboxes; Old: the server has an "Archive" too; \All: no pair.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := specialPairs(list, nil, map[string]bool{"Sent Items": true}); got["Sent Items"] != "" {
		t.Errorf("a mailbox known under its own name was paired anew: %v", got)
	}
}

func TestCheckDistinctRefusesTwoOnOneName(t *testing.T) {
	list := []store.MailboxInfo{{Name: "Sent"}, {Name: "Sent Items"}}
	if err := checkDistinct(list, map[string]string{"Sent Items": "Sent"}); err == nil {
		t.Error("two server mailboxes on the local Sent were accepted")
	}
}
