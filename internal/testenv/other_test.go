package testenv

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
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

// TestOtherServersBulk: the helpers the end-to-end tests use in bulk.
func TestOtherServersBulk(t *testing.T) {
	for _, kind := range []Kind{KindCyrus, KindCourier} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := sharedOther(t, kind)
			u := srv.NewUser(t)
			srv.CreateMailbox(t, u.Name, "Archive/2024")
			date := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
			raws := [][]byte{[]byte("Message-ID: <a@x>\r\n\r\na\r\n"), []byte("Message-ID: <b@x>\r\n\r\nb\r\n")}
			uids := srv.DeliverMessages(t, u.Name, "INBOX", date, raws...)
			srv.StoreFlags(t, u.Name, "INBOX", "+FLAGS", []string{`\Flagged`, "urgent"}, uids...)
			srv.Move(t, u.Name, "INBOX", "Archive/2024", uids[0])
			inbox := srv.Messages(t, u.Name, "INBOX")
			if len(inbox) != 1 || !bytes.Equal(inbox[0].Text, raws[1]) || strings.Join(inbox[0].Flags, " ") != `\Flagged urgent` {
				t.Errorf("INBOX holds %+v, want message b flagged", inbox)
			}
			if arch := srv.Messages(t, u.Name, "Archive/2024"); len(arch) != 1 || !bytes.Equal(arch[0].Text, raws[0]) {
				t.Errorf("Archive/2024 holds %+v, want message a", arch)
			}
			t.Logf("%s lists %q, selectable %q", kind, srv.ListMailboxes(t, u.Name), srv.Selectable(t, u.Name))
		})
	}
}
