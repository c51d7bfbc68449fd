package statedb

import (
	"database/sql"
	"fmt"
	"time"
)

// MailboxID identifies a row of the mailboxes table (a mailbox pair).
type MailboxID int64

// MailboxState is the lifecycle state of a mailbox pair.
type MailboxState string

// Mailbox states. The engine decides transitions; the database only stores
// them (and CheckConsistency rejects unknown values).
const (
	// MailboxActive: synchronized normally.
	MailboxActive MailboxState = "active"
	// MailboxDeletePending: deleted on one side; the deletion on the other
	// side is held back (deletion guard) or not yet done.
	MailboxDeletePending MailboxState = "delete-pending"
	// MailboxRenamePending: renamed on one side, not yet on the other.
	MailboxRenamePending MailboxState = "rename-pending"
)

// Valid reports whether s is one of the known states.
func (s MailboxState) Valid() bool {
	switch s {
	case MailboxActive, MailboxDeletePending, MailboxRenamePending:
		return true
	}
	return false
}

// Mailbox is one mailbox pair: what was last known of the far and the near
// mailbox. Names are UTF-8 with '/' as the hierarchy separator; an empty name
// means the mailbox does not exist (yet) on that side. UIDNEXT 0 and
// HIGHESTMODSEQ 0 mean unknown / not supported.
type Mailbox struct {
	ID                MailboxID
	FarName           string
	NearName          string
	FarUIDValidity    uint32
	NearUIDValidity   uint32
	FarUIDNext        uint32
	NearUIDNext       uint32
	FarHighestModSeq  uint64 // at most 2^63-1 (RFC 7162 §7)
	NearHighestModSeq uint64
	FarMailboxID      string // MAILBOXID (RFC 8474 §4), "" when unknown
	NearMailboxID     string
	LastSync          time.Time // end of the last completed sync; zero: never
	State             MailboxState
	// FarCheckpoint and NearCheckpoint are each store's opaque checkpoint
	// token as of the last completed sync (what it needs to report the
	// changes since); statedb stores them verbatim.
	FarCheckpoint  string
	NearCheckpoint string
}

const mailboxColumns = `id, coalesce(far_name, ''), coalesce(near_name, ''), far_uidvalidity,
	near_uidvalidity, far_uidnext, near_uidnext, far_highestmodseq, near_highestmodseq,
	far_mailbox_id, near_mailbox_id, last_sync, state, far_checkpoint, near_checkpoint`

// scanMailbox reads one row selected with mailboxColumns.
func scanMailbox(scan func(dest ...any) error, m *Mailbox) error {
	var lastSync int64
	err := scan(&m.ID, &m.FarName, &m.NearName, &m.FarUIDValidity, &m.NearUIDValidity,
		&m.FarUIDNext, &m.NearUIDNext, &m.FarHighestModSeq, &m.NearHighestModSeq,
		&m.FarMailboxID, &m.NearMailboxID, &lastSync, &m.State, &m.FarCheckpoint, &m.NearCheckpoint)
	m.LastSync = fromNano(lastSync)
	return err
}

// mailboxBy returns the mailbox whose column equals value.
func (t *Tx) mailboxBy(op, column string, value any) (Mailbox, bool, error) {
	var m Mailbox
	found, err := t.queryRow(op, "SELECT "+mailboxColumns+" FROM mailboxes WHERE "+column+" = ?",
		[]any{value}, func(scan func(...any) error) error { return scanMailbox(scan, &m) })
	return m, found, err
}

// Mailbox returns the mailbox pair with id; found is false if there is none.
func (t *Tx) Mailbox(id MailboxID) (m Mailbox, found bool, err error) {
	return t.mailboxBy(fmt.Sprintf("mailbox %d", id), "id", id)
}

// MailboxByFarName returns the mailbox pair whose far name is name.
func (t *Tx) MailboxByFarName(name string) (m Mailbox, found bool, err error) {
	return t.mailboxBy(fmt.Sprintf("mailbox far %q", name), "far_name", name)
}

// MailboxByNearName returns the mailbox pair whose near name is name.
func (t *Tx) MailboxByNearName(name string) (m Mailbox, found bool, err error) {
	return t.mailboxBy(fmt.Sprintf("mailbox near %q", name), "near_name", name)
}

// EnsureMailbox returns the mailbox pair (farName, nearName), creating it in
// state MailboxActive when neither name is known. A pair known under one of
// the names with the other name empty gets the other name filled in. If the
// names belong to different pairs, or to a pair that maps a name elsewhere,
// it fails with ErrConflict. At least one name must be non-empty.
func (t *Tx) EnsureMailbox(farName, nearName string) (Mailbox, error) {
	op := fmt.Sprintf("ensure mailbox far %q near %q", farName, nearName)
	if farName == "" && nearName == "" {
		return Mailbox{}, t.invalid(op, "both names empty")
	}
	byFar, okFar, err := t.MailboxByFarName(farName)
	if err != nil {
		return Mailbox{}, err
	}
	byNear, okNear, err := t.MailboxByNearName(nearName)
	if err != nil {
		return Mailbox{}, err
	}
	switch {
	case okFar && okNear && byFar.ID == byNear.ID:
		return byFar, nil
	case okFar && okNear:
		return Mailbox{}, fmt.Errorf("statedb: %s: %w: names belong to mailboxes %d and %d", op, ErrConflict, byFar.ID, byNear.ID)
	case okFar:
		return t.fillName(op, byFar, "", nearName)
	case okNear:
		return t.fillName(op, byNear, farName, "")
	}
	id, err := t.AddMailbox(Mailbox{FarName: farName, NearName: nearName, State: MailboxActive})
	if err != nil {
		return Mailbox{}, err
	}
	m, _, err := t.Mailbox(id)
	return m, err
}

// fillName sets m's missing far or near name, refusing to overwrite one.
func (t *Tx) fillName(op string, m Mailbox, farName, nearName string) (Mailbox, error) {
	if farName != "" && m.FarName != "" && m.FarName != farName ||
		nearName != "" && m.NearName != "" && m.NearName != nearName {
		return Mailbox{}, fmt.Errorf("statedb: %s: %w: mailbox %d is far %q near %q",
			op, ErrConflict, m.ID, m.FarName, m.NearName)
	}
	if farName == "" && nearName == "" {
		return m, nil
	}
	if farName != "" {
		m.FarName = farName
	}
	if nearName != "" {
		m.NearName = nearName
	}
	return m, t.UpdateMailbox(m)
}

// AddMailbox inserts m (its ID is ignored; an empty State means
// MailboxActive) and returns the new id. A name already used fails with
// ErrConflict.
func (t *Tx) AddMailbox(m Mailbox) (MailboxID, error) {
	op := fmt.Sprintf("add mailbox far %q near %q", m.FarName, m.NearName)
	args, err := t.mailboxArgs(op, &m)
	if err != nil {
		return 0, err
	}
	res, err := t.exec(op, `INSERT INTO mailboxes (far_name, near_name, far_uidvalidity,
		near_uidvalidity, far_uidnext, near_uidnext, far_highestmodseq, near_highestmodseq,
		far_mailbox_id, near_mailbox_id, last_sync, state, far_checkpoint, near_checkpoint)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, t.errorf(op, err)
	}
	return MailboxID(id), nil
}

// UpdateMailbox writes every field of m to the row m.ID (ErrNotFound if
// there is none). Renaming through it is allowed; see also RenameMailbox.
func (t *Tx) UpdateMailbox(m Mailbox) error {
	op := fmt.Sprintf("update mailbox %d", m.ID)
	args, err := t.mailboxArgs(op, &m)
	if err != nil {
		return err
	}
	return t.execOne(op, `UPDATE mailboxes SET far_name = ?, near_name = ?, far_uidvalidity = ?,
		near_uidvalidity = ?, far_uidnext = ?, near_uidnext = ?, far_highestmodseq = ?,
		near_highestmodseq = ?, far_mailbox_id = ?, near_mailbox_id = ?, last_sync = ?, state = ?,
		far_checkpoint = ?, near_checkpoint = ? WHERE id = ?`, append(args, m.ID)...)
}

// mailboxArgs validates m and returns its column values in table order
// (without id).
func (t *Tx) mailboxArgs(op string, m *Mailbox) ([]any, error) {
	if m.State == "" {
		m.State = MailboxActive
	}
	if !m.State.Valid() {
		return nil, t.invalid(op, "unknown state %q", m.State)
	}
	if m.FarName == "" && m.NearName == "" {
		return nil, t.invalid(op, "both names empty")
	}
	farMS, ok1 := modseq(m.FarHighestModSeq)
	nearMS, ok2 := modseq(m.NearHighestModSeq)
	if !ok1 || !ok2 {
		return nil, t.invalid(op, "HIGHESTMODSEQ above 2^63-1")
	}
	return []any{nullString(m.FarName), nullString(m.NearName), m.FarUIDValidity,
		m.NearUIDValidity, m.FarUIDNext, m.NearUIDNext, farMS, nearMS,
		m.FarMailboxID, m.NearMailboxID, unixNano(m.LastSync), string(m.State),
		m.FarCheckpoint, m.NearCheckpoint}, nil
}

// RenameMailbox changes the names of mailbox id ("" = not on that side).
func (t *Tx) RenameMailbox(id MailboxID, farName, nearName string) error {
	op := fmt.Sprintf("rename mailbox %d to far %q near %q", id, farName, nearName)
	if farName == "" && nearName == "" {
		return t.invalid(op, "both names empty")
	}
	return t.execOne(op, `UPDATE mailboxes SET far_name = ?, near_name = ? WHERE id = ?`,
		nullString(farName), nullString(nearName), id)
}

// DeleteMailbox deletes mailbox id and all its pairs. It fails with
// ErrConflict while intents reference the mailbox: resolve or drop them
// first, so no pending propagation is forgotten.
func (t *Tx) DeleteMailbox(id MailboxID) error {
	return t.execOne(fmt.Sprintf("delete mailbox %d", id), `DELETE FROM mailboxes WHERE id = ?`, id)
}

// Mailboxes returns all mailbox pairs ordered by id.
func (t *Tx) Mailboxes() ([]Mailbox, error) {
	rows, err := t.query("list mailboxes", "SELECT "+mailboxColumns+" FROM mailboxes ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mailbox
	for rows.Next() {
		var m Mailbox
		if err := scanMailbox(rows.Scan, &m); err != nil {
			return nil, t.errorf("list mailboxes", err)
		}
		out = append(out, m)
	}
	return out, closeRows(t, "list mailboxes", rows)
}

// closeRows reports an iteration error of rows.
func closeRows(t *Tx, op string, rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		return t.errorf(op, err)
	}
	return rows.Close()
}
