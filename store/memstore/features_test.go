package memstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// changesSince gathers one Changes call.
func changesSince(t *testing.T, mb store.Mailbox, req store.ChangesRequest) (changed []store.Message, cs store.ChangeSet, cp store.Checkpoint) {
	t.Helper()
	cp, err := mb.Changes(t.Context(), req, func(b store.ChangeSet) error {
		changed = append(changed, b.Changed...)
		cs.Vanished = append(cs.Vanished, b.Vanished...)
		cs.MovedOut = append(cs.MovedOut, b.MovedOut...)
		return nil
	})
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	return changed, cs, cp
}

func TestReportMoves(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures(), ReportMoves: true})
	if err := s.CreateMailbox(t.Context(), "Archive", ""); err != nil {
		t.Fatal(err)
	}
	mb := open(t, s, "INBOX")
	a, b := mustAppend(t, mb, "a"), mustAppend(t, mb, "b")
	_, _, cp := changesSince(t, mb, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}})
	moved, err := mb.Move(t.Context(), []store.UID{a}, "Archive")
	if err != nil {
		t.Fatal(err)
	}
	nb, err := s.MoveBehind("INBOX", b, "Archive")
	if err != nil {
		t.Fatal(err)
	}
	_, cs, _ := changesSince(t, mb, store.ChangesRequest{Since: cp})
	want := []store.Move{{UID: a, Dest: "Archive", DestUID: moved[a]}, {UID: b, Dest: "Archive", DestUID: nb}}
	if fmt.Sprint(cs.MovedOut) != fmt.Sprint(want) || fmt.Sprint(cs.Vanished) != fmt.Sprint([]store.UID{a, b}) {
		t.Errorf("MovedOut %v vanished %v, want %v", cs.MovedOut, cs.Vanished, want)
	}
	arch := open(t, s, "Archive")
	changed, _, _ := changesSince(t, arch, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: arch.Status().UIDValidity}})
	if len(changed) != 2 || changed[1].Origin == nil || *changed[1].Origin != (store.Origin{Mailbox: "INBOX", UID: b}) {
		t.Errorf("moved-in messages %+v: want Origin INBOX uid %d on the second", changed, b)
	}
}

func TestMovesNotReportedByDefault(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	if err := s.CreateMailbox(t.Context(), "Archive", ""); err != nil {
		t.Fatal(err)
	}
	mb := open(t, s, "INBOX")
	a := mustAppend(t, mb, "a")
	_, _, cp := changesSince(t, mb, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}})
	if _, err := s.MoveBehind("INBOX", a, "Archive"); err != nil {
		t.Fatal(err)
	}
	_, cs, _ := changesSince(t, mb, store.ChangesRequest{Since: cp})
	if len(cs.MovedOut) != 0 || fmt.Sprint(cs.Vanished) != fmt.Sprint([]store.UID{a}) {
		t.Errorf("without ReportMoves: %+v, want only vanished [%d]", cs, a)
	}
}

func TestFeaturesOff(t *testing.T) {
	s := memstore.New(memstore.Options{Features: store.Features{Changes: true, QResync: false}})
	mb := open(t, s, "INBOX")
	uid := mustAppend(t, mb, "a", store.Seen, "work", "$Forwarded")
	if uid != 0 {
		t.Errorf("Append without UIDPlus returned %d", uid)
	}
	snap := s.Snapshot().Mailboxes[0].Messages[0]
	if snap.Flags != `\Seen` {
		t.Errorf("keywords kept without Keywords: %q", snap.Flags)
	}
	_, err := mb.UpdateFlags(t.Context(), store.FlagChange{UIDs: []store.UID{1}, Add: store.Flags{store.Flagged}, UnchangedSince: 5})
	if !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("UnchangedSince without CondStore: %v, want ErrUnsupported", err)
	}
	_, _, cp := changesSince(t, mb, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}})
	if cp.HighestModSeq != 0 || cp.Token == "" {
		t.Errorf("checkpoint %+v: want no modseq, a token", cp)
	}
	if err := s.ExpungeBehind("INBOX", 1); err != nil {
		t.Fatal(err)
	}
	if _, cs, _ := changesSince(t, mb, store.ChangesRequest{Since: cp}); len(cs.Vanished) != 0 {
		t.Errorf("vanished %v reported without QResync and without Known", cs.Vanished)
	}
	_, cs, _ := changesSince(t, mb, store.ChangesRequest{Since: cp, Known: slices.Values([]store.UID{1})})
	if fmt.Sprint(cs.Vanished) != "[1]" {
		t.Errorf("vanished with Known = %v, want [1]", cs.Vanished)
	}
	if s.Features().QResync {
		t.Errorf("QResync claimed")
	}
	if memstore.New(memstore.Options{Features: store.Features{QResync: true}}).Features().QResync {
		t.Errorf("QResync claimed without Changes")
	}
}

func TestCheckpointsFromStatusAndForeign(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	mustAppend(t, mb, "a")
	mustAppend(t, mb, "b")
	listUIDs(t, mb)
	st := mb.Status()
	fromStatus := store.Checkpoint{UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, HighestModSeq: st.HighestModSeq}
	if err := s.ChangeFlagsBehind("INBOX", 2, store.Flags{store.Seen}, nil); err != nil {
		t.Fatal(err)
	}
	changed, _, _ := changesSince(t, mb, store.ChangesRequest{Since: fromStatus})
	if len(changed) != 1 || changed[0].UID != 2 {
		t.Errorf("changes since a Status checkpoint: %+v, want uid 2", changed)
	}
	for _, bad := range []store.Checkpoint{
		{UIDValidity: st.UIDValidity, Token: "mem:999:1"},
		{UIDValidity: st.UIDValidity, Token: "garbage"},
		{UIDValidity: st.UIDValidity, HighestModSeq: 1 << 40},
	} {
		_, err := mb.Changes(t.Context(), store.ChangesRequest{Since: bad}, func(store.ChangeSet) error { return nil })
		if !errors.Is(err, store.ErrCheckpointUnusable) {
			t.Errorf("Changes since %+v: %v, want ErrCheckpointUnusable", bad, err)
		}
	}
}

func TestNoAliasing(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	body := msg("a")
	flags := store.Flags{store.Seen, "work"}
	if _, err := mb.Append(t.Context(), store.NewMessage{Flags: flags, Labels: []string{"L"}, Size: -1, Body: bytes.NewReader(body), InternalDate: date}); err != nil {
		t.Fatal(err)
	}
	flags[0] = "mutated"
	var kept []store.Message
	if err := mb.List(t.Context(), store.ListOptions{}, func(b []store.Message) error {
		b[0].Flags[0] = "scribbled"
		b[0].Labels[0] = "scribbled"
		kept = b
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if kept[0].UID != 0 {
		t.Errorf("the batch slice was not cleared after the call: %+v", kept[0])
	}
	snap := s.Snapshot().Mailboxes[0].Messages[0]
	if snap.Flags != `\Seen work` || snap.Labels != "L" {
		t.Errorf("stored message changed through caller slices: %+v", snap)
	}
}

func TestMailboxHierarchy(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	ctx := t.Context()
	if err := s.CreateMailbox(ctx, "inbox/Sub", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailbox(ctx, "A/B", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox(ctx, "A"); err != nil {
		t.Fatalf("delete parent: %v", err)
	}
	infos, err := s.ListMailboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, mi := range infos {
		got += fmt.Sprintf("%s:%v ", mi.Name, mi.NoSelect)
	}
	if got != "A:true A/B:false INBOX:false INBOX/Sub:false " {
		t.Errorf("mailboxes %q", got)
	}
	if _, err := s.OpenMailbox(ctx, "A"); !errors.Is(err, store.ErrMailboxNotFound) {
		t.Errorf("open \\Noselect: %v", err)
	}
	if err := s.DeleteMailbox(ctx, "A"); err == nil {
		t.Errorf("deleting a \\Noselect parent with children succeeded")
	}
	for _, bad := range []string{"", "a//b", "/a", "a/", "bad\xff"} {
		if err := s.CreateMailbox(ctx, bad, ""); err == nil {
			t.Errorf("CreateMailbox(%q) succeeded", bad)
		}
	}
	if err := s.DeleteMailbox(ctx, "INBOX"); err == nil {
		t.Errorf("deleting INBOX succeeded")
	}
	if err := s.RenameMailbox(ctx, "A/B", "A/B/C"); err == nil {
		t.Errorf("renaming into its own child succeeded")
	}
}

func TestAppendSizeMismatch(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	body := msg("a")
	_, err := mb.Append(t.Context(), store.NewMessage{Size: int64(len(body) + 1), Body: bytes.NewReader(body)})
	if store.ScopeOf(err) != store.ScopeMessage {
		t.Errorf("size mismatch: %v, want a message error", err)
	}
	if len(s.Snapshot().Mailboxes[0].Messages) != 0 {
		t.Errorf("mismatched append stored a message")
	}
}

func TestSnapshotContentIgnoresUIDs(t *testing.T) {
	a := memstore.New(memstore.Options{})
	b := memstore.New(memstore.Options{FirstUIDValidity: 77})
	for _, id := range []string{"x", "y"} {
		if _, err := a.Seed("INBOX", msg(id), store.Flags{store.Seen}, date); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Seed("INBOX", msg("gone"), nil, date); err != nil {
		t.Fatal(err)
	}
	if err := b.ExpungeBehind("INBOX", 1); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"y", "x"} {
		if _, err := b.Seed("INBOX", msg(id), store.Flags{store.Seen}, date); err != nil {
			t.Fatal(err)
		}
	}
	if a.Snapshot().Content() != b.Snapshot().Content() {
		t.Errorf("same content differs:\n%s\n%s", a.Snapshot().Content(), b.Snapshot().Content())
	}
	if a.Snapshot().String() == b.Snapshot().String() {
		t.Errorf("String ignores UIDs")
	}
}

func TestForgetChanges(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	mb := open(t, s, "INBOX")
	mustAppend(t, mb, "a")
	_, _, cp := changesSince(t, mb, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: mb.Status().UIDValidity}})
	if err := s.ChangeFlagsBehind("INBOX", 1, store.Flags{store.Seen}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetChanges("INBOX"); err != nil {
		t.Fatal(err)
	}
	_, err := mb.Changes(t.Context(), store.ChangesRequest{Since: cp}, func(store.ChangeSet) error { return nil })
	if !errors.Is(err, store.ErrCheckpointUnusable) {
		t.Fatalf("Changes since a forgotten checkpoint: %v", err)
	}
	changed, _, _ := changesSince(t, mb, store.ChangesRequest{Since: store.Checkpoint{UIDValidity: cp.UIDValidity}})
	if len(changed) != 1 {
		t.Errorf("from the beginning after ForgetChanges: %d changed, want 1", len(changed))
	}
}

func TestReadOnly(t *testing.T) {
	s := memstore.New(memstore.Options{Features: memstore.AllFeatures()})
	if err := s.CreateMailbox(t.Context(), "Archive", ""); err != nil {
		t.Fatal(err)
	}
	mb := open(t, s, "INBOX")
	uid := mustAppend(t, mb, "a")
	if err := s.SetReadOnly("INBOX", true); err != nil {
		t.Fatal(err)
	}
	_, aerr := appendMsg(t, mb, "b")
	_, ferr := mb.UpdateFlags(t.Context(), store.FlagChange{UIDs: []store.UID{uid}, Add: store.Flags{store.Seen}})
	eerr := mb.Expunge(t.Context(), []store.UID{uid})
	_, merr := mb.Move(t.Context(), []store.UID{uid}, "Archive")
	for i, err := range []error{aerr, ferr, eerr, merr} {
		if !errors.Is(err, store.ErrReadOnly) || store.ScopeOf(err) != store.ScopeMailbox {
			t.Errorf("write %d on a read-only mailbox: %v", i, err)
		}
	}
	if snap := s.Snapshot(); len(snap.Mailboxes[0].Messages) != 0 || len(snap.Mailboxes[1].Messages) != 1 ||
		snap.Mailboxes[1].Messages[0].Flags != "" {
		t.Errorf("read-only mailbox changed:\n%s", snap)
	}
	if err := s.SetReadOnly("INBOX", false); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Move(t.Context(), []store.UID{uid}, "Archive"); err != nil {
		t.Errorf("Move after SetReadOnly(false): %v", err)
	}
}
