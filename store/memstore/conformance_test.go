package memstore_test

import (
	"testing"
	"time"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
	"github.com/imapdir/imapdir/store/storetest"
)

// harness runs the conformance suite on a memstore with the given
// features; changes "behind" go through the test helpers, not the
// interface.
func harness(feat store.Features) storetest.Harness {
	mem := func(t *testing.T, st store.Store) *memstore.Store {
		t.Helper()
		ms, ok := st.(*memstore.Store)
		if !ok {
			t.Fatalf("store is %T, not *memstore.Store", st)
		}
		return ms
	}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	return storetest.Harness{
		New: func(t *testing.T) store.Store { return memstore.New(memstore.Options{Features: feat}) },
		AppendBehind: func(t *testing.T, st store.Store, mailbox string, body []byte, flags store.Flags, date time.Time) {
			_, err := mem(t, st).Seed(mailbox, body, flags, date)
			check(t, err)
		},
		ChangeFlagsBehind: func(t *testing.T, st store.Store, mailbox string, uid store.UID, add, remove store.Flags) {
			check(t, mem(t, st).ChangeFlagsBehind(mailbox, uid, add, remove))
		},
		ExpungeBehind: func(t *testing.T, st store.Store, mailbox string, uids ...store.UID) {
			check(t, mem(t, st).ExpungeBehind(mailbox, uids...))
		},
		ResetUIDValidity: func(t *testing.T, st store.Store, mailbox string) {
			check(t, mem(t, st).ResetUIDValidity(mailbox))
		},
		Reopen: func(t *testing.T, st store.Store) store.Store {
			ms := mem(t, st)
			check(t, ms.Close())
			re, err := ms.Reopen()
			check(t, err)
			return re
		},
	}
}

// TestConformance runs storetest with every feature, with each switched
// off in turn, and with none.
func TestConformance(t *testing.T) {
	all := memstore.AllFeatures()
	off := func(f func(*store.Features)) store.Features {
		feat := all
		f(&feat)
		return feat
	}
	cases := []struct {
		name string
		feat store.Features
	}{
		{"all", all},
		{"no-Changes", off(func(f *store.Features) { f.Changes = false })},
		{"no-CondStore", off(func(f *store.Features) { f.CondStore = false })},
		{"no-QResync", off(func(f *store.Features) { f.QResync = false })},
		{"no-UIDPlus", off(func(f *store.Features) { f.UIDPlus = false })},
		{"no-Move", off(func(f *store.Features) { f.Move = false })},
		{"no-Keywords", off(func(f *store.Features) { f.Keywords = false })},
		{"no-GmailLabels", off(func(f *store.Features) { f.GmailLabels = false })},
		{"no-StableIDs", off(func(f *store.Features) { f.StableIDs = false })},
		{"no-MailboxIDs", off(func(f *store.Features) { f.MailboxIDs = false })},
		{"none", store.Features{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { storetest.Run(t, harness(c.feat)) })
	}
}

// TestConformanceInterfaceOnly runs the suite with no helper hooks, so its
// fallbacks (changes through a second Mailbox) stay exercised.
func TestConformanceInterfaceOnly(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			return memstore.New(memstore.Options{Features: memstore.AllFeatures()})
		},
	})
}
