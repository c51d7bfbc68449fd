package syncer

import (
	"reflect"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
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

// counts returns the messages per mailbox of st.
func counts(st *memstore.Store) map[string]int {
	out := map[string]int{}
	for _, mb := range st.Snapshot().Mailboxes {
		out[mb.Name] = len(mb.Messages)
	}
	return out
}

// Over the name map the far "Sent Items" (and its child) pairs with the
// near "Sent"; a near folder created under it is created under the far
// parent; ForMailbox rules the mapped pair by its near name.
func TestNameMapAndForMailbox(t *testing.T) {
	e := newEnv(t, memstore.AllFeatures(), memstore.AllFeatures())
	e.seed(e.far, "INBOX", "in1", "")
	e.seed(e.far, "Sent Items", "s1", `\Seen`)
	e.seed(e.far, "Sent Items/2024", "s2", `\Seen`)
	e.opts.Names = NameMap{Explicit: map[string]string{"Sent Items": "Sent"}}
	pullOnly := DefaultPlanOptions()
	pullOnly.Sync = Direction{Pull: SyncAll}
	e.opts.ForMailbox = func(name string) PlanOptions {
		if name == "Sent" {
			return pullOnly
		}
		return e.opts.PlanOptions
	}
	e.sync()
	if got := counts(e.near); got["Sent"] != 1 || got["Sent/2024"] != 1 || got["Sent Items"] != 0 {
		t.Fatalf("near after the first sync: %v", got)
	}
	e.seed(e.near, "Sent", "local", `\Seen`)    // pull only: stays local
	e.seed(e.near, "Sent/2025", "new", `\Seen`) // a new folder: created under the far parent
	e.sync()
	if got := counts(e.far); got["Sent Items"] != 1 || got["Sent Items/2025"] != 1 || got["Sent"] != 0 || got["Sent/2025"] != 0 {
		t.Errorf("far after the second sync: %v", got)
	}
}
