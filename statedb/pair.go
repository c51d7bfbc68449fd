package statedb

import (
	"errors"
	"fmt"
	"time"
)

// PairID identifies a row of the pairs table.
type PairID int64

// Pair is one message as the two sides last agreed on it. A UID of 0 means
// the message is not known (yet) on that side; at least one UID is set.
type Pair struct {
	ID           PairID
	Mailbox      MailboxID
	FarUID       uint32
	NearUID      uint32
	Flags        FlagSet   // flags as last agreed (system flags and keywords)
	Labels       FlagSet   // Gmail X-GM-LABELS as last agreed
	Size         int64     // RFC822.SIZE in bytes; 0: unknown
	InternalDate time.Time // INTERNALDATE, second resolution; zero: unknown
	MessageID    string    // Message-ID without angle brackets; "": none
	EmailID      string    // EMAILID (RFC 8474 §5.1) or X-GM-MSGID; "": unknown
	ThreadID     string    // THREADID (RFC 8474 §5.2) or X-GM-THRID; "": unknown
	HeaderHash   []byte    // hash of the header block, for messages without Message-ID
}

// PairKey is a position in a mailbox's pair order (far UID, then near UID).
// The zero PairKey is before every pair.
type PairKey struct {
	FarUID  uint32
	NearUID uint32
}

const pairColumns = `id, mailbox_id, far_uid, near_uid, flags, labels, size, internal_date,
	message_id, email_id, thread_id, header_hash`

// scanPair reads one row selected with pairColumns.
func scanPair(scan func(dest ...any) error, p *Pair) error {
	var date int64
	err := scan(&p.ID, &p.Mailbox, &p.FarUID, &p.NearUID, &p.Flags, &p.Labels, &p.Size,
		&date, &p.MessageID, &p.EmailID, &p.ThreadID, &p.HeaderHash)
	p.InternalDate = fromSec(date)
	return err
}

// pairArgs validates p and returns its column values in table order
// (without id).
func (t *Tx) pairArgs(op string, p *Pair) ([]any, error) {
	if p.FarUID == 0 && p.NearUID == 0 {
		return nil, t.invalid(op, "pair has neither a far nor a near UID")
	}
	if p.Size < 0 {
		return nil, t.invalid(op, "negative size %d", p.Size)
	}
	if err := p.Flags.check("flags"); err != nil {
		return nil, t.invalid(op, "%v", err)
	}
	if err := p.Labels.check("labels"); err != nil {
		return nil, t.invalid(op, "%v", err)
	}
	return []any{p.Mailbox, p.FarUID, p.NearUID, string(p.Flags), string(p.Labels), p.Size,
		unixSec(p.InternalDate), p.MessageID, p.EmailID, p.ThreadID, nullBytes(p.HeaderHash)}, nil
}

// PutPair inserts p when p.ID is 0, otherwise overwrites row p.ID
// (ErrNotFound if it is gone), and returns the pair's id. A UID already
// used by another pair of the mailbox on the same side, or a missing
// mailbox, fails with ErrConflict.
func (t *Tx) PutPair(p Pair) (PairID, error) {
	op := fmt.Sprintf("put pair mailbox %d far UID %d near UID %d", p.Mailbox, p.FarUID, p.NearUID)
	args, err := t.pairArgs(op, &p)
	if err != nil {
		return 0, err
	}
	if p.ID != 0 {
		err := t.execOne(op, `UPDATE pairs SET mailbox_id = ?, far_uid = ?, near_uid = ?, flags = ?,
			labels = ?, size = ?, internal_date = ?, message_id = ?, email_id = ?, thread_id = ?,
			header_hash = ? WHERE id = ?`, append(args, p.ID)...)
		return p.ID, err
	}
	res, err := t.exec(op, `INSERT INTO pairs (mailbox_id, far_uid, near_uid, flags, labels, size,
		internal_date, message_id, email_id, thread_id, header_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, t.errorf(op, err)
	}
	return PairID(id), nil
}

// DeletePair deletes pair id (ErrNotFound if there is none).
func (t *Tx) DeletePair(id PairID) error {
	return t.execOne(fmt.Sprintf("delete pair %d", id), `DELETE FROM pairs WHERE id = ?`, id)
}

// Pair returns pair id; found is false if there is none.
func (t *Tx) Pair(id PairID) (p Pair, found bool, err error) {
	return t.pairBy(fmt.Sprintf("pair %d", id), `SELECT `+pairColumns+` FROM pairs WHERE id = ?`, id)
}

// PairByFarUID returns the pair of mailbox mb with far UID uid (uid != 0).
func (t *Tx) PairByFarUID(mb MailboxID, uid uint32) (p Pair, found bool, err error) {
	if uid == 0 {
		return Pair{}, false, nil
	}
	return t.pairBy(fmt.Sprintf("mailbox %d far UID %d", mb, uid), `SELECT `+pairColumns+
		` FROM pairs WHERE mailbox_id = ? AND far_uid = ? AND far_uid != 0`, mb, uid)
}

// PairByNearUID returns the pair of mailbox mb with near UID uid (uid != 0).
func (t *Tx) PairByNearUID(mb MailboxID, uid uint32) (p Pair, found bool, err error) {
	if uid == 0 {
		return Pair{}, false, nil
	}
	return t.pairBy(fmt.Sprintf("mailbox %d near UID %d", mb, uid), `SELECT `+pairColumns+
		` FROM pairs WHERE mailbox_id = ? AND near_uid = ? AND near_uid != 0`, mb, uid)
}

// pairBy returns the pair selected by query.
func (t *Tx) pairBy(op, query string, args ...any) (Pair, bool, error) {
	var p Pair
	found, err := t.queryRow(op, query, args, func(scan func(...any) error) error {
		return scanPair(scan, &p)
	})
	return p, found, err
}

// PairsByEmailID returns the pairs whose EMAILID / X-GM-MSGID is emailID, in
// mailbox mb, or in every mailbox when mb is 0, ordered by mailbox and id.
func (t *Tx) PairsByEmailID(mb MailboxID, emailID string) ([]Pair, error) {
	if emailID == "" {
		return nil, nil
	}
	return t.pairList(fmt.Sprintf("pairs by EMAILID %q", emailID), `SELECT `+pairColumns+
		` FROM pairs WHERE email_id = ? AND email_id != '' AND (? = 0 OR mailbox_id = ?)
		ORDER BY mailbox_id, id`, emailID, mb, mb)
}

// PairsByMessageID returns the pairs whose Message-ID is messageID, in
// mailbox mb, or in every mailbox when mb is 0, ordered by mailbox and id.
func (t *Tx) PairsByMessageID(mb MailboxID, messageID string) ([]Pair, error) {
	if messageID == "" {
		return nil, nil
	}
	return t.pairList(fmt.Sprintf("pairs by Message-ID %q", messageID), `SELECT `+pairColumns+
		` FROM pairs WHERE message_id = ? AND message_id != '' AND (? = 0 OR mailbox_id = ?)
		ORDER BY mailbox_id, id`, messageID, mb, mb)
}

// PairsByHeaderHash returns the pairs whose header hash is hash, in
// mailbox mb, or in every mailbox when mb is 0, ordered by mailbox and id.
func (t *Tx) PairsByHeaderHash(mb MailboxID, hash []byte) ([]Pair, error) {
	if len(hash) == 0 {
		return nil, nil
	}
	return t.pairList(fmt.Sprintf("pairs by header hash %x", hash), `SELECT `+pairColumns+
		` FROM pairs WHERE header_hash = ? AND (? = 0 OR mailbox_id = ?)
		ORDER BY mailbox_id, id`, hash, mb, mb)
}

// pairList collects the pairs selected by query (for small results).
func (t *Tx) pairList(op, query string, args ...any) ([]Pair, error) {
	rows, err := t.query(op, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Pair
	for rows.Next() {
		var p Pair
		if err := scanPair(rows.Scan, &p); err != nil {
			return nil, t.errorf(op, err)
		}
		out = append(out, p)
	}
	return out, closeRows(t, op, rows)
}

// CountPairs returns the number of pairs of mailbox mb.
func (t *Tx) CountPairs(mb MailboxID) (int, error) {
	var n int
	_, err := t.queryRow(fmt.Sprintf("count pairs of mailbox %d", mb),
		`SELECT count(*) FROM pairs WHERE mailbox_id = ?`, []any{mb},
		func(scan func(...any) error) error { return scan(&n) })
	return n, err
}

// pairPage is how many pairs an iteration reads per query.
const pairPage = 512

// IteratePairs calls fn for every pair of mailbox mb in (far UID, near UID)
// order; pairs with no far UID come first. See IteratePairsFrom.
func (t *Tx) IteratePairs(mb MailboxID, fn func(Pair) error) error {
	return t.IteratePairsFrom(mb, PairKey{}, fn)
}

// IteratePairsFrom calls fn for the pairs of mailbox mb after position
// after, in (far UID, near UID) order, stopping early without error when fn
// returns ErrStop; any other error from fn is returned as is.
//
// Pairs are read a page at a time (memory stays bounded for any mailbox
// size), and no statement is open while fn runs, so fn may read and write
// through the same Tx: pairs written at or before the current position are
// not visited again, pairs written after it are.
func (t *Tx) IteratePairsFrom(mb MailboxID, after PairKey, fn func(Pair) error) error {
	op := fmt.Sprintf("iterate pairs of mailbox %d", mb)
	for {
		page, err := t.pairList(op, `SELECT `+pairColumns+` FROM pairs
			WHERE mailbox_id = ? AND (far_uid, near_uid) > (?, ?)
			ORDER BY far_uid, near_uid LIMIT ?`,
			mb, after.FarUID, after.NearUID, pairPage)
		if err != nil {
			return err
		}
		for _, p := range page {
			if err := fn(p); errors.Is(err, ErrStop) {
				return nil
			} else if err != nil {
				return err
			}
			after = PairKey{p.FarUID, p.NearUID}
		}
		if len(page) < pairPage {
			return nil
		}
	}
}
