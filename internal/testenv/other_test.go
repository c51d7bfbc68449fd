package testenv

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strconv"
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

// TestOtherServerStop: Stop leaves no process of the server's tree and
// removes its directory (Courier runs one couriertcpd per port, each its
// own process group).
func TestOtherServerStop(t *testing.T) {
	for kind, start := range map[Kind]func(context.Context) (*OtherServer, error){KindCyrus: StartCyrus, KindCourier: StartCourier} {
		tree, _, err := serverTree(kind)
		if err != nil {
			t.Fatal(err)
		}
		base := treeProcs(tree) // the shared servers' processes, if any
		srv, err := start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := treeProcs(tree); n <= base {
			t.Errorf("%s: no process of %s runs", kind, tree)
		}
		u := srv.NewUser(t)
		srv.SaveMessage(t, u.Name, "INBOX", []byte("Subject: x\r\n\r\ny\r\n"))
		if err := srv.Stop(); err != nil {
			t.Errorf("%s: Stop: %v", kind, err)
		}
		if n := treeProcs(tree); n != base {
			t.Errorf("%s: %d processes of %s survive Stop", kind, n-base, tree)
		}
		if _, err := os.Stat(srv.Dir()); !os.IsNotExist(err) {
			t.Errorf("%s: %s still exists (%v)", kind, srv.Dir(), err)
		}
	}
}

// treeProcs counts the live processes running a program of tree. The
// shared servers are not started or stopped while a sequential test runs.
func treeProcs(tree string) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if state, _, ok := procStat(pid); err == nil && ok && state != 'Z' && bytes.Contains(cmd, []byte(tree)) {
			n++
		}
	}
	return n
}
