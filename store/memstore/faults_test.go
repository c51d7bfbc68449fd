package memstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

var date = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

func msg(id string) []byte {
	return []byte("Message-ID: <" + id + "@test>\r\nSubject: " + id + "\r\n\r\nbody " + id + "\r\n")
}

// open opens name on s, closed at the end of the test.
func open(t *testing.T, s *memstore.Store, name string) store.Mailbox {
	t.Helper()
	mb, err := s.OpenMailbox(t.Context(), name)
	if err != nil {
		t.Fatalf("OpenMailbox(%q): %v", name, err)
	}
	t.Cleanup(func() { mb.Close() })
	return mb
}

func appendMsg(t *testing.T, mb store.Mailbox, id string, flags ...store.Flag) (store.UID, error) {
	t.Helper()
	b := msg(id)
	return mb.Append(t.Context(), store.NewMessage{Flags: flags, InternalDate: date, Size: int64(len(b)), Body: bytes.NewReader(b)})
}

func mustAppend(t *testing.T, mb store.Mailbox, id string, flags ...store.Flag) store.UID {
	t.Helper()
	uid, err := appendMsg(t, mb, id, flags...)
	if err != nil {
		t.Fatalf("Append %s: %v", id, err)
	}
	return uid
}

func listUIDs(t *testing.T, mb store.Mailbox) []store.UID {
	t.Helper()
	var out []store.UID
	if err := mb.List(t.Context(), store.ListOptions{}, func(b []store.Message) error {
		for _, m := range b {
			out = append(out, m.UID)
		}
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

func TestFailAtFailsExactlyTheNthOp(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	boom := errors.New("disk on fire")
	s.FailAt(3, boom)
	mustAppend(t, mb, "a")
	mustAppend(t, mb, "b")
	_, err := appendMsg(t, mb, "c")
	if !errors.Is(err, boom) || store.ScopeOf(err) != store.ScopeMailbox {
		t.Fatalf("third op: %v (scope %v), want the injected error as a mailbox error", err, store.ScopeOf(err))
	}
	mustAppend(t, mb, "d")
	if got := listUIDs(t, mb); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("UIDs %v: the failed append must store nothing", got)
	}
	if n := s.OpCount(memstore.OpAppend); n != 4 {
		t.Errorf("OpCount(append) = %d, want 4 (failed attempt counted)", n)
	}
}

func TestOnOpHookGradesAndSeesOps(t *testing.T) {
	var seen []string
	hookErr := store.Errorf(store.ScopeStore, true, "x", "", 0, "connection lost")
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures(), FaultScope: store.ScopeMessage})
	s.SetOnOp(func(op, mailbox string) error {
		seen = append(seen, op+":"+mailbox)
		switch op {
		case memstore.OpFlush:
			return hookErr
		case memstore.OpExpunge:
			return errors.New("plain")
		}
		return nil
	})
	mb := open(t, s, "INBOX")
	uid := mustAppend(t, mb, "a")
	if err := mb.Flush(t.Context()); !errors.Is(err, hookErr) || !store.IsRetryable(err) || store.ScopeOf(err) != store.ScopeStore {
		t.Errorf("Flush: %v: want the hook's *store.Error unchanged", err)
	}
	if err := mb.Expunge(t.Context(), []store.UID{uid}); store.ScopeOf(err) != store.ScopeMessage {
		t.Errorf("Expunge: %v: want FaultScope message", err)
	}
	want := []string{"open:INBOX", "append:INBOX", "flush:INBOX", "expunge:INBOX"}
	if !slices.Equal(seen, want) {
		t.Errorf("hook saw %v, want %v", seen, want)
	}
}

func TestCrashDropsUnflushedAppends(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	mustAppend(t, mb, "a")
	if err := mb.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := mustAppend(t, mb, "b")
	st := mb.Status()
	cp, err := mb.Changes(t.Context(), store.ChangesRequest{Since: store.Checkpoint{UIDValidity: st.UIDValidity}}, func(store.ChangeSet) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Crash(); n != 1 {
		t.Fatalf("Crash dropped %d, want 1", n)
	}
	if got := listUIDs(t, mb); fmt.Sprint(got) != "[1]" {
		t.Fatalf("after crash: %v, want [1]", got)
	}
	c := mustAppend(t, mb, "c")
	if c != b {
		t.Errorf("UID %d after crash, want the lost one's %d again: UIDNEXT never passes a UID that was not made durable", c, b)
	}
	var vanished []store.UID
	if _, err := mb.Changes(t.Context(), store.ChangesRequest{Since: cp}, func(cs store.ChangeSet) error {
		vanished = append(vanished, cs.Vanished...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(vanished) != 0 {
		t.Errorf("Changes after crash: vanished %v, want none (the lost UID never existed durably)", vanished)
	}
}

func TestResetUIDValidity(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	for _, id := range []string{"a", "b", "c"} {
		mustAppend(t, mb, id, store.Seen)
	}
	if err := mb.Expunge(t.Context(), []store.UID{1}); err != nil {
		t.Fatal(err)
	}
	before := s.Snapshot().Mailboxes[0]
	if err := s.ResetUIDValidity("inbox"); err != nil {
		t.Fatal(err)
	}
	after := s.Snapshot().Mailboxes[0]
	if after.UIDValidity == before.UIDValidity || after.UIDNext != 3 {
		t.Fatalf("after reset: %+v", after)
	}
	for i, m := range after.Messages {
		if m.UID != store.UID(i+1) || m.SHA256 != before.Messages[i].SHA256 || m.Flags != before.Messages[i].Flags {
			t.Errorf("message %d after reset %+v, before %+v", i, m, before.Messages[i])
		}
	}
	if _, err := mb.UpdateFlags(t.Context(), store.FlagChange{UIDs: []store.UID{1}, Add: store.Flags{store.Flagged}}); store.ScopeOf(err) != store.ScopeMailbox {
		t.Errorf("UID call on a handle opened before the reset: %v, want a mailbox error", err)
	}
}

func TestMoveWithoutMoveFeatureCanStopHalfway(t *testing.T) {
	feat := memstore.AllFeatures()
	feat.Move = false
	s := memstore.New(memstore.Options{Features: feat})
	if err := s.CreateMailbox(t.Context(), "Archive", ""); err != nil {
		t.Fatal(err)
	}
	mb := open(t, s, "INBOX")
	uid := mustAppend(t, mb, "a")
	boom := errors.New("cut")
	s.SetOnOp(func(op, _ string) error {
		if op == memstore.OpExpunge {
			return boom
		}
		return nil
	})
	if _, err := mb.Move(t.Context(), []store.UID{uid}, "Archive"); !errors.Is(err, boom) {
		t.Fatalf("Move: %v, want the injected failure", err)
	}
	snap := s.Snapshot()
	if len(snap.Mailboxes) != 2 || len(snap.Mailboxes[0].Messages) != 1 || len(snap.Mailboxes[1].Messages) != 1 {
		t.Fatalf("want the message in both mailboxes after a half move:\n%s", snap)
	}
	if snap.Mailboxes[0].Messages[0].EmailID != snap.Mailboxes[1].Messages[0].EmailID {
		t.Errorf("copy lost the EmailID:\n%s", snap)
	}
}

func TestCanceledAndClosed(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.ListMailboxes(ctx); store.ScopeOf(err) != store.ScopeCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("ListMailboxes canceled: %v", err)
	}
	if s.OpCount(memstore.OpListMailboxes) != 0 {
		t.Errorf("a canceled call was counted")
	}
	mb, err := s.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "1 mailboxes still open") {
		t.Errorf("Close with an open mailbox: %v", err)
	}
	if _, err := appendMsg(t, mb, "late"); store.ScopeOf(err) != store.ScopeStore {
		t.Errorf("Append on a closed store: %v, want a store error", err)
	}
	mb.Close()
	if _, err := s.Reopen(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListMailboxes(t.Context()); err != nil {
		t.Errorf("reopened store: %v", err)
	}
}

func TestFetchBodyCountsAndFaults(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	for _, id := range []string{"a", "b", "c"} {
		mustAppend(t, mb, id)
	}
	s.ResetCounts()
	s.FailAt(3, errors.New("stall"))
	var got []store.UID
	err := mb.FetchBodies(t.Context(), []store.UID{1, 9, 2, 3}, func(m store.Message, r io.Reader) error {
		got = append(got, m.UID)
		return nil
	})
	if err == nil || fmt.Sprint(got) != "[1]" {
		t.Fatalf("FetchBodies with the 3rd op failing: got %v, err %v", got, err)
	}
	if s.OpCount(memstore.OpFetch) != 1 || s.OpCount(memstore.OpFetchBody) != 2 {
		t.Errorf("counts fetch=%d fetch-body=%d, want 1 and 2", s.OpCount(memstore.OpFetch), s.OpCount(memstore.OpFetchBody))
	}
}

// TestCrashFromHook: the hook runs without store locks, so a crash
// injector can call Crash (and inspect the store) from inside it.
func TestCrashFromHook(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	mustAppend(t, mb, "a")
	crashed := errors.New("crashed")
	s.SetOnOp(func(op, _ string) error {
		if op != memstore.OpFlush {
			return nil
		}
		s.Crash()
		_ = s.Snapshot()
		return crashed
	})
	if err := mb.Flush(t.Context()); !errors.Is(err, crashed) {
		t.Fatalf("Flush: %v", err)
	}
	if n := len(s.Snapshot().Mailboxes[0].Messages); n != 0 {
		t.Errorf("%d messages survive a crash before their flush", n)
	}
}
