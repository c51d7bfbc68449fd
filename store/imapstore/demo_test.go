package imapstore_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/demoserver"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/storetest"
)

// TestConformanceDemo runs the store suite against go-imap v2's in-memory
// server: no CONDSTORE/QRESYNC (so no Changes), lower-cased flags — the
// fallback paths.
func TestConformanceDemo(t *testing.T) {
	storetest.Run(t, demoHarness())
}

// demoHarness gives each subtest its own demo server, emptied of its
// seeded mailboxes and messages through the store itself.
func demoHarness() storetest.Harness {
	var mu sync.Mutex
	servers := make(map[store.Store]*demoserver.Server)
	srvOf := func(st store.Store) *demoserver.Server {
		mu.Lock()
		defer mu.Unlock()
		return servers[st]
	}
	open := func(t *testing.T, srv *demoserver.Server) store.Store {
		st, err := imapstore.New(t.Context(), imapstore.Options{
			Dial: dialer(srv.Addr(), srv.User(), srv.Password(), nil), Connections: 8,
		})
		if err != nil {
			t.Fatalf("imapstore.New on the demo server: %v", err)
		}
		mu.Lock()
		servers[st] = srv
		mu.Unlock()
		return st
	}
	return storetest.Harness{
		New: func(t *testing.T) store.Store {
			srv, err := demoserver.Start(context.Background(), demoserver.Options{Messages: 5})
			if err != nil {
				t.Fatalf("demoserver.Start: %v", err)
			}
			t.Cleanup(func() { srv.Close() })
			st := open(t, srv)
			wipe(t, st)
			return st
		},
		AppendBehind: func(t *testing.T, st store.Store, mailbox string, body []byte, flags store.Flags, date time.Time) {
			if _, err := srvOf(st).AppendMessage(t.Context(), mailbox, body, flagStrings(flags), date); err != nil {
				t.Fatalf("demo AppendMessage: %v", err)
			}
		},
		ChangeFlagsBehind: func(t *testing.T, st store.Store, mailbox string, uid store.UID, add, remove store.Flags) {
			srv := srvOf(st)
			if len(add) > 0 {
				if err := srv.SetFlags(t.Context(), mailbox, uint32(uid), demoserver.FlagsAdd, flagStrings(add)...); err != nil {
					t.Fatalf("demo SetFlags: %v", err)
				}
			}
			if len(remove) > 0 {
				if err := srv.SetFlags(t.Context(), mailbox, uint32(uid), demoserver.FlagsRemove, flagStrings(remove)...); err != nil {
					t.Fatalf("demo SetFlags: %v", err)
				}
			}
		},
		ExpungeBehind: func(t *testing.T, st store.Store, mailbox string, uids ...store.UID) {
			for _, uid := range uids {
				if err := srvOf(st).DeleteMessage(t.Context(), mailbox, uint32(uid)); err != nil {
					t.Fatalf("demo DeleteMessage: %v", err)
				}
			}
		},
		Reopen: func(t *testing.T, st store.Store) store.Store {
			srv := srvOf(st)
			if err := st.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, srv)
		},
	}
}

// wipe empties INBOX and deletes every other mailbox, children first.
func wipe(t *testing.T, st store.Store) {
	ctx := t.Context()
	infos, err := st.ListMailboxes(ctx)
	if err != nil {
		t.Fatalf("wipe: ListMailboxes: %v", err)
	}
	var names []string
	for _, mi := range infos {
		names = append(names, mi.Name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, name := range names {
		if !slices.ContainsFunc(infos, func(mi store.MailboxInfo) bool { return mi.Name == name && mi.NoSelect }) {
			emptyMailbox(t, st, name)
		}
		if name != "INBOX" {
			if err := st.DeleteMailbox(ctx, name); err != nil {
				t.Fatalf("wipe: DeleteMailbox(%q): %v", name, err)
			}
		}
	}
}

// emptyMailbox expunges every message of name.
func emptyMailbox(t *testing.T, st store.Store, name string) {
	ctx := t.Context()
	mb, err := st.OpenMailbox(ctx, name)
	if err != nil {
		t.Fatalf("wipe: OpenMailbox(%q): %v", name, err)
	}
	defer mb.Close()
	var uids []store.UID
	if err := mb.List(ctx, store.ListOptions{}, func(ms []store.Message) error {
		for _, m := range ms {
			uids = append(uids, m.UID)
		}
		return nil
	}); err != nil {
		t.Fatalf("wipe: List(%q): %v", name, err)
	}
	if err := mb.Expunge(ctx, uids); err != nil {
		t.Fatalf("wipe: Expunge(%q): %v", name, err)
	}
}
