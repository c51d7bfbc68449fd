package testenv

import (
	"bytes"
	"slices"
	"testing"
)

// TestOtherServers: each private server starts, takes users, and its seed
// and truth helpers agree with each other.
func TestOtherServers(t *testing.T) {
	for _, kind := range []Kind{KindCyrus, KindCourier} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := sharedOther(t, kind)
			u := srv.NewUser(t)
			srv.CreateMailbox(t, u.Name, "Archive/Entwürfe")
			if got, want := srv.ListMailboxes(t, u.Name), []string{"Archive", "Archive/Entwürfe", "INBOX"}; !slices.Equal(got, want) {
				t.Errorf("mailboxes %q, want %q", got, want)
			}
			raw := []byte("From: a@example.org\nSubject: hi\nMessage-ID: <1@x>\n\nbody\n")
			uids := srv.SaveMessages(t, u.Name, "Archive/Entwürfe", raw, raw)
			if len(uids) != 2 || uids[0] >= uids[1] {
				t.Fatalf("UIDs %v, want two increasing", uids)
			}
			srv.AddFlags(t, u.Name, "Archive/Entwürfe", uids[1], `\Seen`, "$Work")
			srv.RemoveFlags(t, u.Name, "Archive/Entwürfe", uids[1], "$Work")
			if got := srv.MessageFlags(t, u.Name, "Archive/Entwürfe", uids[1]); !slices.Equal(got, []string{`\Seen`}) {
				t.Errorf("flags %q, want [\\Seen]", got)
			}
			if got := srv.FetchText(t, u.Name, "Archive/Entwürfe", uids[0]); !bytes.Equal(got, crlf(raw)) {
				t.Errorf("text %q, want %q", got, crlf(raw))
			}
			srv.Expunge(t, u.Name, "Archive/Entwürfe", uids[0])
			if got := srv.UIDs(t, u.Name, "Archive/Entwürfe"); !slices.Equal(got, uids[1:]) {
				t.Errorf("UIDs after expunge %v, want %v", got, uids[1:])
			}
		})
	}
}
