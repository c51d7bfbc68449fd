package statedb

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestIntentLifecycle(t *testing.T) {
	db := openTest(t)
	var inbox, archive MailboxID
	var copyID, moveID IntentID
	created := time.Date(2026, 1, 1, 0, 0, 0, 123, time.UTC)
	want := Intent{
		Kind: IntentCopyToNear, Source: Far, SourceUID: 42,
		MessageID: "m@x", Size: 99, InternalDate: time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC),
		HeaderHash: []byte("hh"), TempID: "1700000000.M1P2.host", Created: created,
	}
	update(t, db, func(tx *Tx) error {
		inbox = addMailbox(t, tx, "INBOX", "INBOX")
		archive = addMailbox(t, tx, "Archive", "Archive")
		want.Mailbox = inbox
		var err error
		if copyID, err = tx.AddIntent(want); err != nil {
			return err
		}
		moveID, err = tx.AddIntent(Intent{Mailbox: inbox, Kind: IntentMove, Source: Near,
			SourceUID: 5, TargetMailbox: archive})
		return err
	})
	want.ID = copyID
	view(t, db, func(tx *Tx) error {
		got, ok, err := tx.Intent(copyID)
		if err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Intent = %+v %v %v\nwant %+v", got, ok, err, want)
		}
		for mb, n := range map[MailboxID]int{0: 2, inbox: 2, archive: 1, archive + 1: 0} {
			list, err := tx.PendingIntents(mb)
			if err != nil || len(list) != n {
				t.Errorf("PendingIntents(%d) = %d intents %v, want %d", mb, len(list), err, n)
			}
		}
		move, _, _ := tx.Intent(moveID)
		if move.Created.IsZero() || move.TargetMailbox != archive {
			t.Errorf("move intent = %+v: want Created set and target %d", move, archive)
		}
		return nil
	})
	update(t, db, func(tx *Tx) error {
		pid, err := tx.ResolveIntent(copyID, Pair{Mailbox: inbox, FarUID: 42, NearUID: 1, MessageID: "m@x"})
		if err != nil {
			return err
		}
		if _, ok, _ := tx.Intent(copyID); ok {
			t.Error("resolved intent still pending")
		}
		if p, ok, _ := tx.PairByFarUID(inbox, 42); !ok || p.ID != pid {
			t.Error("resolved pair not written")
		}
		if _, err := tx.ResolveIntent(copyID, Pair{Mailbox: inbox, FarUID: 43}); !errors.Is(err, ErrNotFound) {
			t.Errorf("resolving twice = %v, want ErrNotFound", err)
		}
		if _, ok, _ := tx.PairByFarUID(inbox, 43); ok {
			t.Error("failed ResolveIntent wrote its pair")
		}
		return tx.DropIntent(moveID)
	})
}

func TestResolveIntentIsAtomic(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		mb := addMailbox(t, tx, "INBOX", "INBOX")
		if _, err := tx.PutPair(Pair{Mailbox: mb, FarUID: 1, NearUID: 1}); err != nil {
			return err
		}
		id, err := tx.AddIntent(Intent{Mailbox: mb, Kind: IntentCopyToNear, Source: Far, SourceUID: 2})
		if err != nil {
			return err
		}
		// The pair conflicts (near UID 1 taken): the intent must stay pending,
		// even though this transaction goes on and commits.
		if _, err := tx.ResolveIntent(id, Pair{Mailbox: mb, FarUID: 2, NearUID: 1}); !errors.Is(err, ErrConflict) {
			t.Errorf("ResolveIntent with a conflicting pair = %v, want ErrConflict", err)
		}
		if _, ok, _ := tx.Intent(id); !ok {
			t.Error("intent lost by a failed ResolveIntent")
		}
		return tx.DropIntent(id)
	})
}

func TestAddIntentValidation(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		mb := addMailbox(t, tx, "INBOX", "INBOX")
		for name, in := range map[string]Intent{
			"no kind":    {Mailbox: mb, Source: Far},
			"bad side":   {Mailbox: mb, Kind: IntentExpunge, Source: "left"},
			"neg size":   {Mailbox: mb, Kind: IntentExpunge, Source: Far, Size: -1},
			"no mailbox": {Mailbox: mb + 1, Kind: IntentExpunge, Source: Far},
			"no target":  {Mailbox: mb, Kind: IntentMove, Source: Far, TargetMailbox: mb + 1},
		} {
			want := ErrInvalid
			if name == "no mailbox" || name == "no target" {
				want = ErrConflict
			}
			if _, err := tx.AddIntent(in); !errors.Is(err, want) {
				t.Errorf("%s: AddIntent = %v, want %v", name, err, want)
			}
		}
		return nil
	})
}

func TestIntentFloorAndTarget(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		mb := addMailbox(t, tx, "INBOX", "INBOX")
		id, err := tx.AddIntent(Intent{Mailbox: mb, Kind: IntentCopyToNear, Source: Far, SourceUID: 3, SearchFloor: 40})
		if err != nil {
			return err
		}
		if err := tx.SetIntentTarget(id, 41); err != nil {
			return err
		}
		in, ok, err := tx.Intent(id)
		if err != nil || !ok || in.SearchFloor != 40 || in.TargetUID != 41 {
			t.Errorf("intent %+v %v %v, want floor 40 and target 41", in, ok, err)
		}
		if err := tx.SetIntentTarget(id+1, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetIntentTarget of a missing intent = %v, want ErrNotFound", err)
		}
		return tx.DropIntent(id)
	})
}
