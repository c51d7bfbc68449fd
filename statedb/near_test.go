package statedb

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// nearMsg builds a valid near message for tests.
func nearMsg(mb NearMailboxID, unique string) NearMessage {
	return NearMessage{Mailbox: mb, UniqueName: unique, Subdir: "cur", FileName: unique + ":2,S",
		Flags: `\Seen`, Size: 10, MTime: time.Date(2024, 1, 1, 0, 0, 0, 999, time.UTC)}
}

func TestNearMailboxes(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		a, err := tx.AddNearMailbox("INBOX", 1700000000)
		if err != nil {
			return err
		}
		if a.UIDNext != 1 || a.ID == 0 {
			t.Errorf("new near mailbox = %+v", a)
		}
		if _, err := tx.AddNearMailbox("INBOX", 5); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate name = %v, want ErrConflict", err)
		}
		if _, err := tx.AddNearMailbox("X", 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("UIDVALIDITY 0 = %v, want ErrInvalid", err)
		}
		a.Generation, a.Checkpoint, a.Name = 7, "cur=1;new=2", "Inbox"
		if err := tx.UpdateNearMailbox(a); err != nil {
			return err
		}
		got, ok, err := tx.NearMailboxByName("Inbox")
		if err != nil || !ok || !reflect.DeepEqual(got, a) {
			t.Errorf("NearMailboxByName = %+v %v %v, want %+v", got, ok, err, a)
		}
		if _, err := tx.AddNearMailbox("Archive", 9); err != nil {
			return err
		}
		list, err := tx.NearMailboxes()
		if err != nil || len(list) != 2 || list[0].Name != "Archive" {
			t.Errorf("NearMailboxes = %+v %v", list, err)
		}
		return nil
	})
}

func TestAssignNearUID(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		a, _ := tx.AddNearMailbox("INBOX", 1)
		b, _ := tx.AddNearMailbox("Archive", 1)
		for i := 1; i <= 3; i++ {
			uid, err := tx.AssignNearUID(nearMsg(a.ID, fmt.Sprintf("u%d", i)))
			if err != nil || uid != uint32(i) {
				t.Fatalf("AssignNearUID #%d = %d %v", i, uid, err)
			}
		}
		if _, err := tx.AssignNearUID(nearMsg(b.ID, "u1")); !errors.Is(err, ErrConflict) {
			t.Errorf("same unique name in another mailbox = %v, want ErrConflict", err)
		}
		if m, _, _ := tx.NearMailbox(b.ID); m.UIDNext != 1 {
			t.Errorf("failed assignment advanced UIDNEXT to %d", m.UIDNext)
		}
		for name, msg := range map[string]NearMessage{
			"subdir":    {Mailbox: a.ID, UniqueName: "x", Subdir: "tmp", FileName: "x"},
			"file name": {Mailbox: a.ID, UniqueName: "x", Subdir: "new", FileName: "y"},
			"colon":     {Mailbox: a.ID, UniqueName: "x:2,", Subdir: "new", FileName: "x:2,"},
			"flags":     {Mailbox: a.ID, UniqueName: "x", Subdir: "new", FileName: "x", Flags: "z a"},
			"gen":       {Mailbox: a.ID, UniqueName: "x", Subdir: "new", FileName: "x", ChangedGen: 1 << 63},
		} {
			if _, err := tx.AssignNearUID(msg); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: AssignNearUID = %v, want ErrInvalid", name, err)
			}
		}
		if _, err := tx.AssignNearUID(nearMsg(a.ID+b.ID, "nomb")); !errors.Is(err, ErrNotFound) {
			t.Errorf("absent mailbox = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestNearMessageUpdateMoveDelete(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		a, _ := tx.AddNearMailbox("INBOX", 1)
		b, _ := tx.AddNearMailbox("Archive", 1)
		msg := nearMsg(a.ID, "1700.M1P1.host")
		uid, err := tx.AssignNearUID(msg)
		if err != nil {
			return err
		}
		a.Generation = 1<<63 - 1
		if err := tx.UpdateNearMailbox(a); err != nil {
			return err
		}
		msg.UID, msg.Subdir, msg.FileName, msg.Flags, msg.ChangedGen = uid, "new", msg.UniqueName, "", 1<<63-1
		if err := tx.UpdateNearMessage(msg); err != nil {
			return err
		}
		got, ok, err := tx.NearMessageByUniqueName(msg.UniqueName)
		if err != nil || !ok || !reflect.DeepEqual(got, msg) {
			t.Errorf("NearMessageByUniqueName = %+v %v %v, want %+v", got, ok, err, msg)
		}
		if _, err := tx.AssignNearUID(nearMsg(b.ID, "other")); err != nil {
			return err
		}
		moved := msg
		moved.Mailbox = b.ID
		newUID, err := tx.MoveNearMessage(a.ID, uid, moved)
		if err != nil || newUID != 2 {
			t.Errorf("MoveNearMessage = %d %v, want UID 2", newUID, err)
		}
		if _, ok, _ := tx.NearMessageByUID(a.ID, uid); ok {
			t.Error("moved message still in the source mailbox")
		}
		if got, ok, _ := tx.NearMessageByUID(b.ID, 2); !ok || got.UniqueName != msg.UniqueName {
			t.Errorf("moved message = %+v %v", got, ok)
		}
		if _, err := tx.MoveNearMessage(a.ID, uid, moved); !errors.Is(err, ErrNotFound) {
			t.Errorf("moving an absent message = %v, want ErrNotFound", err)
		}
		if err := tx.DeleteNearMessage(b.ID, 2); err != nil {
			return err
		}
		if n, _ := tx.CountNearMessages(b.ID); n != 1 {
			t.Errorf("CountNearMessages = %d, want 1", n)
		}
		return tx.DeleteNearMailbox(b.ID)
	})
}

func TestUIDValidityChangeResetsIndex(t *testing.T) {
	db := openTest(t)
	update(t, db, func(tx *Tx) error {
		a, _ := tx.AddNearMailbox("INBOX", 1)
		for i := 0; i < 3; i++ {
			if _, err := tx.AssignNearUID(nearMsg(a.ID, fmt.Sprint("m", i))); err != nil {
				return err
			}
		}
		a.UIDValidity = 2
		if err := tx.UpdateNearMailbox(a); err != nil {
			return err
		}
		got, _, _ := tx.NearMailbox(a.ID)
		n, _ := tx.CountNearMessages(a.ID)
		if got.UIDNext != 1 || got.UIDValidity != 2 || n != 0 {
			t.Errorf("after UIDVALIDITY change: %+v, %d messages", got, n)
		}
		return nil
	})
}

func TestNearUIDsExhausted(t *testing.T) {
	db := openTest(t)
	var mb NearMailboxID
	update(t, db, func(tx *Tx) error {
		a, err := tx.AddNearMailbox("INBOX", 1)
		mb = a.ID
		return err
	})
	if _, err := db.writer.Exec(`UPDATE near_mailboxes SET uidnext = ? WHERE id = ?`, uint32(math.MaxUint32-1), mb); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *Tx) error {
		uid, err := tx.AssignNearUID(nearMsg(mb, "last"))
		if err != nil || uid != math.MaxUint32-1 {
			t.Errorf("last UID = %d %v", uid, err)
		}
		if _, err := tx.AssignNearUID(nearMsg(mb, "one-too-many")); !errors.Is(err, ErrUIDsExhausted) {
			t.Errorf("AssignNearUID at the end = %v, want ErrUIDsExhausted", err)
		}
		return nil
	})
}

func TestIterateNearMessages(t *testing.T) {
	db := openTest(t)
	const n = 2*pairPage + 3
	update(t, db, func(tx *Tx) error {
		a, _ := tx.AddNearMailbox("INBOX", 1)
		for i := 0; i < n; i++ {
			if _, err := tx.AssignNearUID(nearMsg(a.ID, fmt.Sprint("m", i))); err != nil {
				return err
			}
		}
		var last uint32
		count := 0
		err := tx.IterateNearMessages(a.ID, 0, func(m NearMessage) error {
			if m.UID != last+1 {
				t.Fatalf("UID %d after %d", m.UID, last)
			}
			last = m.UID
			count++
			m.Flags = ""
			return tx.UpdateNearMessage(m)
		})
		if err != nil || count != n {
			t.Errorf("iterated %d, err %v; want %d", count, err, n)
		}
		count = 0
		err = tx.IterateNearMessages(a.ID, n-5, func(m NearMessage) error {
			if count++; count == 2 {
				return ErrStop
			}
			return nil
		})
		if err != nil || count != 2 {
			t.Errorf("IterateNearMessages with ErrStop: %d %v", count, err)
		}
		return nil
	})
}

// TestNearMessagesByUIDOneStatement looks up a batch of UIDs, some absent
// and some of another mailbox, and checks that the batch reads only the
// rows asked for (Stats.NearRowsRead), in one transaction.
func TestNearMessagesByUIDOneStatement(t *testing.T) {
	db := openTest(t)
	var a NearMailboxID
	update(t, db, func(tx *Tx) error {
		ma, err := tx.AddNearMailbox("A", 1)
		if err != nil {
			return err
		}
		mb, err := tx.AddNearMailbox("B", 1)
		if err != nil {
			return err
		}
		a = ma.ID
		for i := 0; i < 200; i++ {
			if _, err := tx.AssignNearUID(nearMsg(a, fmt.Sprintf("a%d", i))); err != nil {
				return err
			}
			if _, err := tx.AssignNearUID(nearMsg(mb.ID, fmt.Sprintf("b%d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	var prepared []string
	db.onPrepare = func(q string) { prepared = append(prepared, q) }
	before := db.Stats()
	var got []NearMessage
	view(t, db, func(tx *Tx) error {
		var err error
		got, err = tx.NearMessagesByUID(a, []uint32{3, 7, 150, 999, 3})
		return err
	})
	d := db.Stats().Sub(before)
	db.onPrepare = nil
	for _, q := range prepared {
		// Each UID is looked up by the primary key, not the mailbox's
		// rows walked for each.
		if plan := queryPlan(t, db, q); !strings.Contains(plan, "SEARCH near_messages USING PRIMARY KEY (mailbox_id=? AND uid=?)") {
			t.Errorf("batch lookup plan: %s", plan)
		}
	}
	uids := map[uint32]string{}
	for _, m := range got {
		if m.Mailbox != a {
			t.Errorf("row of mailbox %d returned for mailbox %d", m.Mailbox, a)
		}
		uids[m.UID] = m.UniqueName
	}
	want := map[uint32]string{3: "a2", 7: "a6", 150: "a149"}
	for uid, u := range want {
		if uids[uid] != u {
			t.Errorf("UID %d: got %q, want %q", uid, uids[uid], u)
		}
	}
	if len(uids) != len(want) {
		t.Errorf("got UIDs %v, want %v", uids, want)
	}
	if d.Views != 1 || d.Updates != 0 || d.NearRowsRead != 3 {
		t.Errorf("stats of one batch lookup: %+v, want 1 view and 3 rows", d)
	}
}
