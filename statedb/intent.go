package statedb

import (
	"fmt"
	"time"
)

// IntentID identifies a pending intent.
type IntentID int64

// Side names one of the two stores of a sync.
type Side string

// The two sides.
const (
	Far  Side = "far"
	Near Side = "near"
)

// Valid reports whether s is Far or Near.
func (s Side) Valid() bool { return s == Far || s == Near }

// IntentKind says what an intent is about to do. The engine may use kinds
// beyond these constants; the database only requires a non-empty kind.
type IntentKind string

// Intent kinds used by the engine.
const (
	// IntentCopyToNear: copy far message SourceUID to the near mailbox.
	IntentCopyToNear IntentKind = "copy-to-near"
	// IntentCopyToFar: copy near message SourceUID to the far mailbox.
	IntentCopyToFar IntentKind = "copy-to-far"
	// IntentMove: move message SourceUID on side Source to TargetMailbox.
	IntentMove IntentKind = "move"
	// IntentExpunge: expunge message SourceUID on side Source.
	IntentExpunge IntentKind = "expunge"
)

// Intent is a propagation about to happen, committed before its effect so
// that after a crash the next run can find out whether the effect happened
// (TempID, APPENDUID, or Message-ID + Size + InternalDate + HeaderHash) and
// neither duplicate nor lose the message.
type Intent struct {
	ID            IntentID
	Mailbox       MailboxID // mailbox pair the source message is in
	Kind          IntentKind
	Source        Side      // side the message comes from (or is expunged on)
	SourceUID     uint32    // UID on the source side; 0 if none
	TargetMailbox MailboxID // destination pair of a move/copy elsewhere; 0: Mailbox
	MessageID     string
	Size          int64
	InternalDate  time.Time // second resolution
	HeaderHash    []byte
	TempID        string // e.g. the Maildir unique name chosen before delivery
	// SearchFloor is the target's UIDNEXT when the intent was recorded: a
	// copy it announces can only have a UID at or above it (0: unknown,
	// search everything).
	SearchFloor uint32
	// TargetUID is the UID the target gave the copy, noted before the copy
	// was made durable (0: not known).
	TargetUID uint32
	Created   time.Time // set by AddIntent when zero; nanosecond resolution
}

const intentColumns = `id, mailbox_id, kind, source_side, source_uid,
	coalesce(target_mailbox_id, 0), message_id, size, internal_date, header_hash, temp_id, search_floor, target_uid, created`

// scanIntent reads one row selected with intentColumns.
func scanIntent(scan func(dest ...any) error, in *Intent) error {
	var date, created int64
	err := scan(&in.ID, &in.Mailbox, &in.Kind, &in.Source, &in.SourceUID, &in.TargetMailbox,
		&in.MessageID, &in.Size, &date, &in.HeaderHash, &in.TempID, &in.SearchFloor, &in.TargetUID, &created)
	in.InternalDate = fromSec(date)
	in.Created = fromNano(created)
	return err
}

// AddIntent records in (its ID is ignored) and returns its id. Commit the
// transaction before performing the effect.
func (t *Tx) AddIntent(in Intent) (IntentID, error) {
	op := fmt.Sprintf("add intent %s mailbox %d %s UID %d", in.Kind, in.Mailbox, in.Source, in.SourceUID)
	switch {
	case in.Kind == "":
		return 0, t.invalid(op, "empty kind")
	case !in.Source.Valid():
		return 0, t.invalid(op, "source side %q is neither far nor near", in.Source)
	case in.Size < 0:
		return 0, t.invalid(op, "negative size %d", in.Size)
	}
	if in.Created.IsZero() {
		in.Created = time.Now()
	}
	res, err := t.exec(op, `INSERT INTO intents (mailbox_id, kind, source_side, source_uid,
		target_mailbox_id, message_id, size, internal_date, header_hash, temp_id, search_floor, target_uid, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Mailbox, string(in.Kind), string(in.Source), in.SourceUID, nullID(int64(in.TargetMailbox)),
		in.MessageID, in.Size, unixSec(in.InternalDate), nullBytes(in.HeaderHash), in.TempID,
		in.SearchFloor, in.TargetUID, unixNano(in.Created))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, t.errorf(op, err)
	}
	return IntentID(id), nil
}

// Intent returns intent id; found is false if there is none.
func (t *Tx) Intent(id IntentID) (in Intent, found bool, err error) {
	found, err = t.queryRow(fmt.Sprintf("intent %d", id),
		`SELECT `+intentColumns+` FROM intents WHERE id = ?`, []any{id},
		func(scan func(...any) error) error { return scanIntent(scan, &in) })
	return in, found, err
}

// PendingIntents returns the intents whose source or target is mailbox mb,
// or all intents when mb is 0, oldest first.
func (t *Tx) PendingIntents(mb MailboxID) ([]Intent, error) {
	op := fmt.Sprintf("pending intents of mailbox %d", mb)
	rows, err := t.query(op, `SELECT `+intentColumns+` FROM intents
		WHERE ? = 0 OR mailbox_id = ? OR target_mailbox_id = ? ORDER BY id`, mb, mb, mb)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		var in Intent
		if err := scanIntent(rows.Scan, &in); err != nil {
			return nil, t.errorf(op, err)
		}
		out = append(out, in)
	}
	return out, closeRows(t, op, rows)
}

// ResolveIntent records the effect of intent id: it deletes the intent and
// writes p (inserted when p.ID is 0, else updated), atomically, and returns
// the pair's id. If the intent is gone it fails with ErrNotFound and writes
// nothing.
func (t *Tx) ResolveIntent(id IntentID, p Pair) (PairID, error) {
	var pid PairID
	err := t.atomic(func() error {
		if err := t.DropIntent(id); err != nil {
			return err
		}
		var err error
		pid, err = t.PutPair(p)
		return err
	})
	return pid, err
}

// DropIntent deletes intent id without writing a pair (the effect did not
// happen and will not be retried from this intent). ErrNotFound if absent.
func (t *Tx) DropIntent(id IntentID) error {
	return t.execOne(fmt.Sprintf("drop intent %d", id), `DELETE FROM intents WHERE id = ?`, id)
}

// SetIntentTarget notes the UID the target gave the copy intent id
// announces. ErrNotFound if the intent is gone.
func (t *Tx) SetIntentTarget(id IntentID, uid uint32) error {
	return t.execOne(fmt.Sprintf("set target UID %d of intent %d", uid, id),
		`UPDATE intents SET target_uid = ? WHERE id = ?`, uid, id)
}
