package statedb

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestMailboxRoundTrip(t *testing.T) {
	db := openTest(t)
	want := Mailbox{
		FarName: "Archive/2024", NearName: "Archive/2024 ünï",
		FarUIDValidity: 1, NearUIDValidity: math.MaxUint32,
		FarUIDNext: 10, NearUIDNext: 20,
		FarHighestModSeq: math.MaxInt64, NearHighestModSeq: 5,
		FarMailboxID: "F1", NearMailboxID: "N1",
		LastSync:      time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		State:         MailboxDeletePending,
		FarCheckpoint: "1 20 77 qresync", NearCheckpoint: "gen=3",
	}
	update(t, db, func(tx *Tx) error {
		id, err := tx.AddMailbox(want)
		want.ID = id
		return err
	})
	view(t, db, func(tx *Tx) error {
		for name, get := range map[string]func() (Mailbox, bool, error){
			"id":   func() (Mailbox, bool, error) { return tx.Mailbox(want.ID) },
			"far":  func() (Mailbox, bool, error) { return tx.MailboxByFarName(want.FarName) },
			"near": func() (Mailbox, bool, error) { return tx.MailboxByNearName(want.NearName) },
		} {
			got, ok, err := get()
			if err != nil || !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("by %s = %+v %v %v\nwant %+v", name, got, ok, err, want)
			}
		}
		list, err := tx.Mailboxes()
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], want) {
			t.Errorf("Mailboxes = %+v %v", list, err)
		}
		return nil
	})
}

func TestMailboxValidation(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		for name, m := range map[string]Mailbox{
			"no names":  {},
			"bad state": {FarName: "x", State: "gone"},
			"modseq":    {FarName: "x", NearHighestModSeq: math.MaxInt64 + 1},
		} {
			if _, err := tx.AddMailbox(m); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: AddMailbox = %v, want ErrInvalid", name, err)
			}
		}
		if err := tx.UpdateMailbox(Mailbox{ID: 99, FarName: "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateMailbox(absent) = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestEnsureMailbox(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		a, err := tx.EnsureMailbox("INBOX", "")
		if err != nil || a.State != MailboxActive || a.FarName != "INBOX" || a.NearName != "" {
			t.Fatalf("Ensure new = %+v %v", a, err)
		}
		b, err := tx.EnsureMailbox("INBOX", "inbox") // fills in the near name
		if err != nil || b.ID != a.ID || b.NearName != "inbox" {
			t.Fatalf("Ensure fill = %+v %v", b, err)
		}
		c, err := tx.EnsureMailbox("INBOX", "inbox")
		if err != nil || c != b {
			t.Fatalf("Ensure existing = %+v %v", c, err)
		}
		if _, err := tx.EnsureMailbox("Sent", ""); err != nil {
			return err
		}
		for _, names := range [][2]string{{"INBOX", "elsewhere"}, {"Sent", "inbox"}, {"", ""}} {
			if _, err := tx.EnsureMailbox(names[0], names[1]); err == nil {
				t.Errorf("Ensure %q %q succeeded, want a conflict", names[0], names[1])
			}
		}
		if _, err := tx.AddMailbox(Mailbox{FarName: "Sent"}); !errors.Is(err, ErrConflict) {
			t.Errorf("AddMailbox duplicate far name = %v, want ErrConflict", err)
		}
		return nil
	})
}

func TestRenameAndDeleteMailbox(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		a := addMailbox(t, tx, "A", "A")
		b := addMailbox(t, tx, "B", "B")
		if err := tx.RenameMailbox(a, "B", "A2"); !errors.Is(err, ErrConflict) {
			t.Errorf("rename onto a used name = %v, want ErrConflict", err)
		}
		if err := tx.RenameMailbox(a, "A2", "A2"); err != nil {
			return err
		}
		if m, ok, _ := tx.MailboxByNearName("A2"); !ok || m.ID != a {
			t.Errorf("renamed mailbox not found by its new name")
		}
		if _, err := tx.PutPair(Pair{Mailbox: a, FarUID: 1}); err != nil {
			return err
		}
		in, err := tx.AddIntent(Intent{Mailbox: b, Kind: IntentCopyToNear, Source: Far, SourceUID: 1})
		if err != nil {
			return err
		}
		if err := tx.DeleteMailbox(a); err != nil { // cascades to its pairs
			return err
		}
		if n, _ := tx.CountPairs(a); n != 0 {
			t.Errorf("%d pairs left after DeleteMailbox", n)
		}
		if err := tx.DeleteMailbox(b); !errors.Is(err, ErrConflict) {
			t.Errorf("DeleteMailbox with a pending intent = %v, want ErrConflict", err)
		}
		if err := tx.DropIntent(in); err != nil {
			return err
		}
		return tx.DeleteMailbox(b)
	})
}
