package statedb

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// NearMailboxID identifies a mailbox of the Maildir store's own index.
type NearMailboxID int64

// ErrUIDsExhausted: the mailbox's UIDNEXT reached 2^32-1; the store must
// choose a new UIDVALIDITY and renumber (RFC 9051 §2.3.1.1).
var ErrUIDsExhausted = errors.New("UIDs exhausted")

// NearMailbox is one Maildir folder in the Maildir store's index: the
// UIDVALIDITY and UIDNEXT it presents as an IMAP-like mailbox (RFC 9051
// §2.3.1.1), and the store's own scan bookkeeping.
type NearMailbox struct {
	ID          NearMailboxID
	Name        string // UTF-8, '/' hierarchy
	UIDValidity uint32 // never 0
	UIDNext     uint32 // next UID to assign, >= 1
	Generation  uint64 // the store's scan counter; opaque to statedb (< 2^63)
	Checkpoint  string // the store's opaque scan checkpoint
}

// NearMessage is one Maildir file with its UID.
type NearMessage struct {
	Mailbox    NearMailboxID
	UID        uint32
	UniqueName string    // file name up to the info separator ":2," (unique across the Maildir)
	Subdir     string    // "cur" or "new"
	FileName   string    // full file name inside Subdir
	Flags      FlagSet   // flags as last seen
	Size       int64     // bytes; 0: unknown
	MTime      time.Time // file mtime as last seen, nanosecond resolution
	// ChangedGen is the store's scan generation (NearMailbox.Generation)
	// in which the store last saw this message change; opaque to statedb
	// (< 2^63).
	ChangedGen uint64
}

const nearMailboxColumns = `id, name, uidvalidity, uidnext, generation, checkpoint`

// scanNearMailbox reads one row selected with nearMailboxColumns.
func scanNearMailbox(scan func(dest ...any) error, m *NearMailbox) error {
	return scan(&m.ID, &m.Name, &m.UIDValidity, &m.UIDNext, &m.Generation, &m.Checkpoint)
}

// AddNearMailbox creates the near mailbox name with uidValidity (not 0) and
// UIDNEXT 1. A name already present fails with ErrConflict.
func (t *Tx) AddNearMailbox(name string, uidValidity uint32) (NearMailbox, error) {
	op := fmt.Sprintf("add near mailbox %q", name)
	if name == "" || uidValidity == 0 {
		return NearMailbox{}, t.invalid(op, "empty name or UIDVALIDITY 0")
	}
	res, err := t.exec(op, `INSERT INTO near_mailboxes (name, uidvalidity) VALUES (?, ?)`, name, uidValidity)
	if err != nil {
		return NearMailbox{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return NearMailbox{}, t.errorf(op, err)
	}
	return NearMailbox{ID: NearMailboxID(id), Name: name, UIDValidity: uidValidity, UIDNext: 1}, nil
}

// NearMailboxByName returns the near mailbox name; found is false if absent.
func (t *Tx) NearMailboxByName(name string) (m NearMailbox, found bool, err error) {
	found, err = t.queryRow(fmt.Sprintf("near mailbox %q", name),
		`SELECT `+nearMailboxColumns+` FROM near_mailboxes WHERE name = ?`, []any{name},
		func(scan func(...any) error) error { return scanNearMailbox(scan, &m) })
	return m, found, err
}

// NearMailbox returns near mailbox id; found is false if absent.
func (t *Tx) NearMailbox(id NearMailboxID) (m NearMailbox, found bool, err error) {
	found, err = t.queryRow(fmt.Sprintf("near mailbox %d", id),
		`SELECT `+nearMailboxColumns+` FROM near_mailboxes WHERE id = ?`, []any{id},
		func(scan func(...any) error) error { return scanNearMailbox(scan, &m) })
	return m, found, err
}

// NearMailboxes returns all near mailboxes ordered by name.
func (t *Tx) NearMailboxes() ([]NearMailbox, error) {
	const op = "list near mailboxes"
	rows, err := t.query(op, `SELECT `+nearMailboxColumns+` FROM near_mailboxes ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NearMailbox
	for rows.Next() {
		var m NearMailbox
		if err := scanNearMailbox(rows.Scan, &m); err != nil {
			return nil, t.errorf(op, err)
		}
		out = append(out, m)
	}
	return out, closeRows(t, op, rows)
}

// UpdateNearMailbox writes m's name, UIDVALIDITY, generation and checkpoint
// (ErrNotFound if m.ID is absent). UIDNEXT only moves through AssignNearUID,
// except that it is reset to 1 when the UIDVALIDITY changes, after which the
// store must renumber: the mailbox's messages are deleted from the index.
func (t *Tx) UpdateNearMailbox(m NearMailbox) error {
	op := fmt.Sprintf("update near mailbox %d %q", m.ID, m.Name)
	gen, ok := modseq(m.Generation)
	if m.Name == "" || m.UIDValidity == 0 || !ok {
		return t.invalid(op, "empty name, UIDVALIDITY 0 or generation above 2^63-1")
	}
	return t.atomic(func() error {
		old, found, err := t.NearMailbox(m.ID)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("statedb: %s: %s: %w", t.path, op, ErrNotFound)
		}
		if old.UIDValidity != m.UIDValidity {
			if _, err := t.exec(op, `DELETE FROM near_messages WHERE mailbox_id = ?`, m.ID); err != nil {
				return err
			}
			old.UIDNext = 1
		}
		return t.execOne(op, `UPDATE near_mailboxes SET name = ?, uidvalidity = ?, uidnext = ?,
			generation = ?, checkpoint = ? WHERE id = ?`,
			m.Name, m.UIDValidity, old.UIDNext, gen, m.Checkpoint, m.ID)
	})
}

// DeleteNearMailbox deletes near mailbox id and its messages from the index.
func (t *Tx) DeleteNearMailbox(id NearMailboxID) error {
	return t.execOne(fmt.Sprintf("delete near mailbox %d", id), `DELETE FROM near_mailboxes WHERE id = ?`, id)
}

// AssignNearUID gives msg the next UID of msg.Mailbox, records it and
// advances the mailbox's UIDNEXT, atomically; msg.UID is ignored. A
// UniqueName already in the index (in any mailbox) fails with ErrConflict;
// a full UID space with ErrUIDsExhausted.
func (t *Tx) AssignNearUID(msg NearMessage) (uint32, error) {
	op := fmt.Sprintf("assign UID in near mailbox %d to %q", msg.Mailbox, msg.UniqueName)
	var uid uint32
	err := t.atomic(func() error {
		var next uint32
		found, err := t.queryRow(op, `SELECT uidnext FROM near_mailboxes WHERE id = ?`,
			[]any{msg.Mailbox}, func(scan func(...any) error) error { return scan(&next) })
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("statedb: %s: %s: near mailbox: %w", t.path, op, ErrNotFound)
		}
		if next == math.MaxUint32 {
			return fmt.Errorf("statedb: %s: %s: %w", t.path, op, ErrUIDsExhausted)
		}
		msg.UID = next
		if err := t.insertNearMessage(op, msg); err != nil {
			return err
		}
		uid = next
		return t.execOne(op, `UPDATE near_mailboxes SET uidnext = ? WHERE id = ?`, next+1, msg.Mailbox)
	})
	return uid, err
}

// RaiseNearUIDNext raises the UIDNEXT of near mailbox id to next when it
// is lower (never lowers it): UIDs a store handed out for messages that
// were made durable and are gone since, so they are never handed out again.
func (t *Tx) RaiseNearUIDNext(id NearMailboxID, next uint32) error {
	op := fmt.Sprintf("raise UIDNEXT of near mailbox %d to %d", id, next)
	_, err := t.exec(op, `UPDATE near_mailboxes SET uidnext = ? WHERE id = ? AND uidnext < ?`, next, id, next)
	return err
}

// insertNearMessage validates and inserts msg with its UID.
func (t *Tx) insertNearMessage(op string, msg NearMessage) error {
	args, err := t.nearMessageArgs(op, msg)
	if err != nil {
		return err
	}
	_, err = t.exec(op, `INSERT INTO near_messages (subdir, file_name, flags, size, mtime,
		changed_gen, unique_name, mailbox_id, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return err
}

// nearMessageArgs validates msg and returns subdir, file_name, flags, size,
// mtime, changed_gen, unique_name, mailbox_id, uid.
func (t *Tx) nearMessageArgs(op string, msg NearMessage) ([]any, error) {
	switch {
	case msg.UniqueName == "" || strings.ContainsAny(msg.UniqueName, "/:"):
		return nil, t.invalid(op, "unique name %q empty or containing '/' or ':'", msg.UniqueName)
	case msg.Subdir != "cur" && msg.Subdir != "new":
		return nil, t.invalid(op, "subdir %q is neither cur nor new", msg.Subdir)
	case !strings.HasPrefix(msg.FileName, msg.UniqueName) || strings.Contains(msg.FileName, "/"):
		return nil, t.invalid(op, "file name %q does not start with unique name %q", msg.FileName, msg.UniqueName)
	case msg.Size < 0:
		return nil, t.invalid(op, "negative size %d", msg.Size)
	case msg.ChangedGen > 1<<63-1:
		return nil, t.invalid(op, "changed generation %d above 2^63-1", msg.ChangedGen)
	}
	if err := msg.Flags.check("flags"); err != nil {
		return nil, t.invalid(op, "%v", err)
	}
	return []any{msg.Subdir, msg.FileName, string(msg.Flags), msg.Size, unixNano(msg.MTime),
		int64(msg.ChangedGen), msg.UniqueName, msg.Mailbox, msg.UID}, nil
}

const nearMessageColumns = `mailbox_id, uid, unique_name, subdir, file_name, flags, size, mtime, changed_gen`

// scanNearMessage reads one row selected with nearMessageColumns (and
// counts it: Stats.NearRowsRead).
func (t *Tx) scanNearMessage(scan func(dest ...any) error, m *NearMessage) error {
	t.count.nearRows.Add(1)
	var mtime, gen int64
	err := scan(&m.Mailbox, &m.UID, &m.UniqueName, &m.Subdir, &m.FileName, &m.Flags, &m.Size, &mtime, &gen)
	m.MTime = fromNano(mtime)
	m.ChangedGen = uint64(gen)
	return err
}

// NearMessageByUID returns the message with uid in near mailbox mb.
func (t *Tx) NearMessageByUID(mb NearMailboxID, uid uint32) (m NearMessage, found bool, err error) {
	found, err = t.queryRow(fmt.Sprintf("near mailbox %d UID %d", mb, uid),
		`SELECT `+nearMessageColumns+` FROM near_messages WHERE mailbox_id = ? AND uid = ?`,
		[]any{mb, uid}, func(scan func(...any) error) error { return t.scanNearMessage(scan, &m) })
	return m, found, err
}

// NearMessageByUniqueName returns the message whose unique name is name, in
// whichever near mailbox it is (a file found elsewhere under a known unique
// name has been moved).
func (t *Tx) NearMessageByUniqueName(name string) (m NearMessage, found bool, err error) {
	found, err = t.queryRow(fmt.Sprintf("near message %q", name),
		`SELECT `+nearMessageColumns+` FROM near_messages WHERE unique_name = ?`,
		[]any{name}, func(scan func(...any) error) error { return t.scanNearMessage(scan, &m) })
	return m, found, err
}

// NearMessagesByUID returns the messages of near mailbox mb whose UIDs are
// in uids, in one statement (a batch of flag changes or removals looks its
// messages up at once, not one query each). UIDs not in the index are left
// out, a UID given twice is returned once; the order is unspecified.
func (t *Tx) NearMessagesByUID(mb NearMailboxID, uids []uint32) ([]NearMessage, error) {
	op := fmt.Sprintf("near mailbox %d: %d UIDs", mb, len(uids))
	if len(uids) == 0 {
		return nil, nil
	}
	uids = slices.Compact(slices.Sorted(slices.Values(uids)))
	list, err := json.Marshal(uids)
	if err != nil {
		return nil, t.errorf(op, err)
	}
	// CROSS JOIN keeps json_each the outer loop: without table
	// statistics SQLite would walk the mailbox's rows and scan the list
	// for each (M lookups costing N×M).
	rows, err := t.query(op, `SELECT `+nearMessageColumnsOf("near_messages")+` FROM json_each(?)
		CROSS JOIN near_messages ON near_messages.mailbox_id = ? AND near_messages.uid = json_each.value`,
		string(list), mb)
	if err != nil {
		return nil, err
	}
	return t.readNearMessages(op, rows)
}

// readNearMessages reads and closes rows selected with
// nearMessageColumns.
func (t *Tx) readNearMessages(op string, rows *sql.Rows) ([]NearMessage, error) {
	defer rows.Close()
	var out []NearMessage
	for rows.Next() {
		var m NearMessage
		if err := t.scanNearMessage(rows.Scan, &m); err != nil {
			return nil, t.errorf(op, err)
		}
		out = append(out, m)
	}
	return out, closeRows(t, op, rows)
}

// nearMessageColumnsOf is nearMessageColumns qualified by table name a.
func nearMessageColumnsOf(a string) string {
	cols := strings.Split(nearMessageColumns, ", ")
	for i, c := range cols {
		cols[i] = a + "." + c
	}
	return strings.Join(cols, ", ")
}

// UpdateNearMessage writes the unique name, subdir, file name, flags, size,
// mtime and changed generation of the message (msg.Mailbox, msg.UID);
// ErrNotFound if absent.
func (t *Tx) UpdateNearMessage(msg NearMessage) error {
	op := fmt.Sprintf("update near mailbox %d UID %d", msg.Mailbox, msg.UID)
	args, err := t.nearMessageArgs(op, msg)
	if err != nil {
		return err
	}
	return t.execOne(op, `UPDATE near_messages SET subdir = ?, file_name = ?, flags = ?, size = ?,
		mtime = ?, changed_gen = ?, unique_name = ? WHERE mailbox_id = ? AND uid = ?`, args...)
}

// MoveNearMessage records that message uid of mailbox from is now msg in
// mailbox msg.Mailbox: it deletes the old entry and assigns a new UID in the
// destination (UIDs are per mailbox), atomically, returning the new UID.
func (t *Tx) MoveNearMessage(from NearMailboxID, uid uint32, msg NearMessage) (uint32, error) {
	var newUID uint32
	err := t.atomic(func() error {
		if err := t.DeleteNearMessage(from, uid); err != nil {
			return err
		}
		var err error
		newUID, err = t.AssignNearUID(msg)
		return err
	})
	return newUID, err
}

// DeleteNearMessage removes message uid of near mailbox mb from the index.
func (t *Tx) DeleteNearMessage(mb NearMailboxID, uid uint32) error {
	return t.execOne(fmt.Sprintf("delete near mailbox %d UID %d", mb, uid),
		`DELETE FROM near_messages WHERE mailbox_id = ? AND uid = ?`, mb, uid)
}

// CountNearMessages returns the number of messages of near mailbox mb.
func (t *Tx) CountNearMessages(mb NearMailboxID) (int, error) {
	var n int
	_, err := t.queryRow(fmt.Sprintf("count near mailbox %d", mb),
		`SELECT count(*) FROM near_messages WHERE mailbox_id = ?`, []any{mb},
		func(scan func(...any) error) error { return scan(&n) })
	return n, err
}

// IterateNearMessages calls fn for the messages of near mailbox mb with a
// UID above afterUID, in UID order, a page at a time (no statement is open
// while fn runs, so fn may write through the same Tx). fn returning ErrStop
// ends the iteration without error.
func (t *Tx) IterateNearMessages(mb NearMailboxID, afterUID uint32, fn func(NearMessage) error) error {
	return t.iterateNear(fmt.Sprintf("iterate near mailbox %d", mb), mb, afterUID, nil, fn)
}

// IterateNearChanged is IterateNearMessages for the messages changed
// after generation gen (ChangedGen > gen) or with a UID at least minUID
// (0 selects every row):
// the others are passed over inside SQLite, never read into Go, so a
// listing of what changed since a checkpoint costs little more than the
// changes.
func (t *Tx) IterateNearChanged(mb NearMailboxID, afterUID uint32, gen uint64, minUID uint32, fn func(NearMessage) error) error {
	g, ok := modseq(gen)
	if !ok {
		return t.invalid("iterate changed", "generation %d above 2^63-1", gen)
	}
	return t.iterateNear(fmt.Sprintf("iterate near mailbox %d changed after %d", mb, gen), mb, afterUID,
		&nearChanged{gen: g, minUID: int64(minUID)}, fn)
}

// nearChanged selects the rows changed after gen or with a UID at least
// minUID.
type nearChanged struct {
	gen, minUID int64
}

// iterateNear pages through mb after afterUID, through the rows sel
// selects (all when nil).
func (t *Tx) iterateNear(op string, mb NearMailboxID, afterUID uint32, sel *nearChanged, fn func(NearMessage) error) error {
	for {
		page, err := t.nearMessagePage(op, mb, afterUID, sel)
		if err != nil {
			return err
		}
		for _, m := range page {
			if err := fn(m); errors.Is(err, ErrStop) {
				return nil
			} else if err != nil {
				return err
			}
			afterUID = m.UID
		}
		if len(page) < pairPage {
			return nil
		}
	}
}

// NearUIDs returns the UIDs of near mailbox mb in ascending order, reading
// that column only.
func (t *Tx) NearUIDs(mb NearMailboxID) ([]uint32, error) {
	op := fmt.Sprintf("UIDs of near mailbox %d", mb)
	rows, err := t.query(op, `SELECT uid FROM near_messages WHERE mailbox_id = ? ORDER BY uid`, mb)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var uid uint32
		if err := rows.Scan(&uid); err != nil {
			return nil, t.errorf(op, err)
		}
		t.count.nearRows.Add(1)
		out = append(out, uid)
	}
	return out, closeRows(t, op, rows)
}

// NearMTimes returns the recorded file mtime of every message of near
// mailbox mb by unique name, reading those two columns only.
func (t *Tx) NearMTimes(mb NearMailboxID) (map[string]time.Time, error) {
	op := fmt.Sprintf("mtimes of near mailbox %d", mb)
	rows, err := t.query(op, `SELECT unique_name, mtime FROM near_messages WHERE mailbox_id = ?`, mb)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var u string
		var mtime int64
		if err := rows.Scan(&u, &mtime); err != nil {
			return nil, t.errorf(op, err)
		}
		t.count.nearRows.Add(1)
		out[u] = fromNano(mtime)
	}
	return out, closeRows(t, op, rows)
}

// nearMessagePage reads up to pairPage messages of mb after afterUID that
// sel selects (all when nil).
func (t *Tx) nearMessagePage(op string, mb NearMailboxID, afterUID uint32, sel *nearChanged) ([]NearMessage, error) {
	var rows *sql.Rows
	var err error
	if sel == nil {
		rows, err = t.query(op, `SELECT `+nearMessageColumns+` FROM near_messages
		WHERE mailbox_id = ? AND uid > ? ORDER BY uid LIMIT ?`, mb, afterUID, pairPage)
	} else {
		rows, err = t.query(op, `SELECT `+nearMessageColumns+` FROM near_messages
		WHERE mailbox_id = ? AND uid > ? AND (changed_gen > ? OR uid >= ?) ORDER BY uid LIMIT ?`,
			mb, afterUID, sel.gen, sel.minUID, pairPage)
	}
	if err != nil {
		return nil, err
	}
	return t.readNearMessages(op, rows)
}
