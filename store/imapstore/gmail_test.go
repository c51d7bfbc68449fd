package imapstore_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/imapdir/imapdir/internal/gmailsim"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// TestGmailAllMailBySpecialUse: on a Gmail whose system folders carry
// localized names, the store reports All Mail with its \All attribute,
// claims Gmail labels and stable ids, and lists each message with its
// X-GM-MSGID and its labels in UTF-8.
func TestGmailAllMailBySpecialUse(t *testing.T) {
	sim, err := gmailsim.Start(gmailsim.Options{AppPassword: "app-pw",
		Names: map[string]string{`\All`: "[Google Mail]/Alle Nachrichten", `\Trash`: "[Google Mail]/Papierkorb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	id := sim.Add(gmailsim.Message{Body: []byte("Message-ID: <a@example.com>\n\nx\n"), Labels: []string{`\Inbox`, "Économie"}})
	st, err := imapstore.New(t.Context(), imapstore.Options{Dial: dialer(sim.Addr(), "user@gmail.com", "app-pw", nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if f := st.Features(); !f.GmailLabels || !f.StableIDs {
		t.Errorf("features %+v: Gmail not detected", f)
	}
	infos, err := st.ListMailboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var all string
	for _, in := range infos {
		if in.SpecialUse == `\All` {
			all = in.Name
		}
	}
	if all != "[Google Mail]/Alle Nachrichten" {
		t.Fatalf("\\All mailbox = %q in %+v", all, infos)
	}
	mb, err := st.OpenMailbox(t.Context(), all)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	var got []store.Message
	if err := mb.List(t.Context(), store.ListOptions{}, func(ms []store.Message) error {
		got = append(got, ms...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].EmailID != strconv.FormatUint(id, 10) || !slices.Contains(got[0].Labels, "Économie") || !slices.Contains(got[0].Labels, "Inbox") {
		t.Errorf("listed %+v", got)
	}
}
