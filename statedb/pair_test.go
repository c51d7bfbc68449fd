package statedb

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// mustFlags builds a FlagSet from valid literal items.
func mustFlags(t testing.TB, items ...string) FlagSet {
	t.Helper()
	s, err := MakeFlagSet(items...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addMailbox creates mailbox pair (far, near) with known UIDNEXTs.
func addMailbox(t testing.TB, tx *Tx, far, near string) MailboxID {
	t.Helper()
	id, err := tx.AddMailbox(Mailbox{FarName: far, NearName: near, FarUIDNext: 1 << 20, NearUIDNext: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPairRoundTripAndLookups(t *testing.T) {
	db := openTest(t)
	date := time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC)
	want := Pair{
		FarUID: 7, NearUID: 3,
		Flags:        mustFlags(t, `\Seen`, "work", `$Forwarded`, `\flagged`),
		Labels:       mustFlags(t, `\Inbox`, "My Label", "100%"),
		Size:         4321,
		InternalDate: date,
		MessageID:    "abc@example.org",
		EmailID:      "M123",
		ThreadID:     "T9",
		HeaderHash:   []byte{1, 2, 3},
	}
	update(t, db, func(tx *Tx) error {
		want.Mailbox = addMailbox(t, tx, "INBOX", "INBOX")
		id, err := tx.PutPair(want)
		want.ID = id
		return err
	})
	if want.Flags != `$Forwarded \Flagged \Seen work` {
		t.Errorf("flags text = %q", want.Flags)
	}
	view(t, db, func(tx *Tx) error {
		for name, get := range map[string]func() (Pair, bool, error){
			"id":   func() (Pair, bool, error) { return tx.Pair(want.ID) },
			"far":  func() (Pair, bool, error) { return tx.PairByFarUID(want.Mailbox, 7) },
			"near": func() (Pair, bool, error) { return tx.PairByNearUID(want.Mailbox, 3) },
		} {
			got, ok, err := get()
			if err != nil || !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("by %s = %+v %v %v\nwant %+v", name, got, ok, err, want)
			}
		}
		for name, get := range map[string]func() ([]Pair, error){
			"email-id":       func() ([]Pair, error) { return tx.PairsByEmailID(0, "M123") },
			"email-id other": func() ([]Pair, error) { return tx.PairsByEmailID(want.Mailbox+1, "M123") },
		} {
			got, err := get()
			n := 1
			if name == "email-id other" {
				n = 0
			}
			if err != nil || len(got) != n {
				t.Errorf("by %s = %d pairs %v, want %d", name, len(got), err, n)
			}
		}
		if _, ok, _ := tx.PairByFarUID(want.Mailbox, 0); ok {
			t.Error("far UID 0 found a pair")
		}
		return nil
	})
}

func TestPairConstraints(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		mb := addMailbox(t, tx, "INBOX", "INBOX")
		if _, err := tx.PutPair(Pair{Mailbox: mb, FarUID: 1, NearUID: 1}); err != nil {
			return err
		}
		for name, p := range map[string]Pair{
			"dup far":       {Mailbox: mb, FarUID: 1, NearUID: 2},
			"dup near":      {Mailbox: mb, FarUID: 2, NearUID: 1},
			"no mailbox":    {Mailbox: mb + 100, FarUID: 5},
			"no uid":        {Mailbox: mb},
			"bad flags":     {Mailbox: mb, FarUID: 9, Flags: "b a"},
			"negative size": {Mailbox: mb, FarUID: 9, Size: -1},
		} {
			_, err := tx.PutPair(p)
			want := ErrConflict
			if name == "no uid" || name == "bad flags" || name == "negative size" {
				want = ErrInvalid
			}
			if !errors.Is(err, want) {
				t.Errorf("%s: PutPair = %v, want %v", name, err, want)
			}
		}
		// Several pairs may lack the same side's UID.
		for uid := uint32(10); uid < 13; uid++ {
			if _, err := tx.PutPair(Pair{Mailbox: mb, FarUID: uid}); err != nil {
				t.Errorf("far-only pair %d: %v", uid, err)
			}
			if _, err := tx.PutPair(Pair{Mailbox: mb, NearUID: uid}); err != nil {
				t.Errorf("near-only pair %d: %v", uid, err)
			}
		}
		if err := tx.DeletePair(12345); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeletePair(absent) = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestIteratePairsOrderPagingAndWrites(t *testing.T) {
	db := openTest(t)
	const n = 3*pairPage + 17
	var mb MailboxID
	update(t, db, func(tx *Tx) error {
		mb = addMailbox(t, tx, "INBOX", "INBOX")
		other := addMailbox(t, tx, "Other", "Other")
		for i := n; i >= 1; i-- { // reverse insertion order
			if _, err := tx.PutPair(Pair{Mailbox: mb, FarUID: uint32(i), NearUID: uint32(i)}); err != nil {
				return err
			}
		}
		_, err := tx.PutPair(Pair{Mailbox: other, FarUID: 1})
		if err == nil {
			_, err = tx.PutPair(Pair{Mailbox: mb, NearUID: n + 5}) // far UID unknown: comes first
		}
		return err
	})
	update(t, db, func(tx *Tx) error {
		var got []PairKey
		err := tx.IteratePairs(mb, func(p Pair) error {
			got = append(got, PairKey{p.FarUID, p.NearUID})
			p.Flags = mustFlags(t, `\Seen`) // writing while iterating is allowed
			_, err := tx.PutPair(p)
			return err
		})
		if err != nil {
			return err
		}
		if len(got) != n+1 || got[0] != (PairKey{0, n + 5}) {
			t.Fatalf("visited %d pairs, first %v; want %d, first {0 %d}", len(got), got[0], n+1, n+5)
		}
		for i := 1; i < len(got); i++ {
			if got[i].FarUID != uint32(i) {
				t.Fatalf("pair %d has far UID %d", i, got[i].FarUID)
			}
		}
		return nil
	})
	view(t, db, func(tx *Tx) error {
		var seen int
		err := tx.IteratePairsFrom(mb, PairKey{FarUID: 100, NearUID: 100}, func(p Pair) error {
			if p.FarUID <= 100 || !p.Flags.Has(`\seen`) {
				t.Errorf("unexpected pair %+v", p)
			}
			if seen++; seen == 10 {
				return ErrStop
			}
			return nil
		})
		if err != nil || seen != 10 {
			t.Errorf("IteratePairsFrom stopped after %d, err %v", seen, err)
		}
		c, err := tx.CountPairs(mb)
		if err != nil || c != n+1 {
			t.Errorf("CountPairs = %d %v, want %d", c, err, n+1)
		}
		return nil
	})
}
