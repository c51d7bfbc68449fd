package statedb

import (
	"context"
	"fmt"
	"strings"
)

// Invariant is one rule the state database must always satisfy.
type Invariant struct {
	Name        string // short stable identifier, e.g. "pair-far-uid-unique"
	Description string // the rule in words
}

// Violation is one breach of an invariant found by CheckConsistency.
type Violation struct {
	Invariant string // Invariant.Name
	Detail    string // which rows, with ids and UIDs
}

// ConsistencyError lists every violation CheckConsistency found.
type ConsistencyError struct {
	Path       string
	Violations []Violation
}

// Error lists the violations, one per line.
func (e *ConsistencyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "statedb: %s: %d consistency violation(s):", e.Path, len(e.Violations))
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "\n  %s: %s", v.Invariant, v.Detail)
	}
	return b.String()
}

// maxDetails bounds the violations reported per invariant.
const maxDetails = 100

// check is an invariant with the query that returns one detail line per
// violating row (at most maxDetails+1 rows).
type check struct {
	Invariant
	query string
}

// checks returns the invariants checked by SQL. "flags-canonical" is
// checked in Go (see checkFlags).
func checks() []check {
	return []check{
		{Invariant{"sqlite-integrity", "PRAGMA integrity_check finds the file intact (pages, and indexes matching their tables)"},
			`SELECT integrity_check FROM pragma_integrity_check WHERE integrity_check != 'ok'`},
		{Invariant{"mailbox-valid", "a mailbox pair has a far or a near name and a known state"},
			`SELECT format('mailbox %d: far %Q near %Q state %Q', id, far_name, near_name, state)
			FROM mailboxes WHERE (far_name IS NULL AND near_name IS NULL)
			OR state NOT IN ('active', 'delete-pending', 'rename-pending')`},
		{Invariant{"pair-mailbox-exists", "every pair references an existing mailbox pair"},
			`SELECT format('pair %d: mailbox %d does not exist', id, mailbox_id) FROM pairs
			WHERE mailbox_id NOT IN (SELECT id FROM mailboxes)`},
		{Invariant{"pair-has-uid", "every pair has a far UID or a near UID (or both)"},
			`SELECT format('pair %d in mailbox %d has no UID', id, mailbox_id) FROM pairs
			WHERE far_uid = 0 AND near_uid = 0`},
		{Invariant{"pair-far-uid-unique", "no two pairs of a mailbox share a far UID"},
			`SELECT format('mailbox %d far UID %d: %d pairs', mailbox_id, far_uid, count(*)) FROM pairs
			WHERE far_uid != 0 GROUP BY mailbox_id, far_uid HAVING count(*) > 1`},
		{Invariant{"pair-near-uid-unique", "no two pairs of a mailbox share a near UID"},
			`SELECT format('mailbox %d near UID %d: %d pairs', mailbox_id, near_uid, count(*)) FROM pairs
			WHERE near_uid != 0 GROUP BY mailbox_id, near_uid HAVING count(*) > 1`},
		{Invariant{"intent-mailbox-exists", "every intent references an existing mailbox pair (and target, if any)"},
			`SELECT format('intent %d: mailbox %d or target %d does not exist', id, mailbox_id, target_mailbox_id)
			FROM intents WHERE mailbox_id NOT IN (SELECT id FROM mailboxes)
			OR (target_mailbox_id IS NOT NULL AND target_mailbox_id NOT IN (SELECT id FROM mailboxes))`},
		{Invariant{"intent-valid", "an intent has a kind and its source side is far or near"},
			`SELECT format('intent %d: kind %Q source side %Q', id, kind, source_side) FROM intents
			WHERE kind = '' OR source_side NOT IN ('far', 'near')`},
		{Invariant{"near-mailbox-valid", "a near mailbox has a UIDVALIDITY other than 0 and a UIDNEXT of at least 1"},
			`SELECT format('near mailbox %d %Q: UIDVALIDITY %d UIDNEXT %d', id, name, uidvalidity, uidnext)
			FROM near_mailboxes WHERE uidvalidity = 0 OR uidnext < 1`},
		{Invariant{"near-message-mailbox-exists", "every near message references an existing near mailbox"},
			`SELECT format('near message UID %d %Q: near mailbox %d does not exist', uid, unique_name, mailbox_id)
			FROM near_messages WHERE mailbox_id NOT IN (SELECT id FROM near_mailboxes)`},
		{Invariant{"near-message-uid-below-uidnext", "every near message's UID is at least 1 and below its near mailbox's UIDNEXT"},
			`SELECT format('near mailbox %d %Q: UID %d not in 1..UIDNEXT %d', m.id, m.name, n.uid, m.uidnext)
			FROM near_messages n JOIN near_mailboxes m ON m.id = n.mailbox_id
			WHERE n.uid < 1 OR n.uid >= m.uidnext`},
		{Invariant{"near-message-changed-gen", "a near message's changed generation is not above its near mailbox's generation"},
			`SELECT format('near mailbox %d %Q: UID %d changed in generation %d, after the mailbox''s %d', m.id, m.name, n.uid, n.changed_gen, m.generation)
			FROM near_messages n JOIN near_mailboxes m ON m.id = n.mailbox_id WHERE n.changed_gen > m.generation`},
		{Invariant{"near-message-unique-name", "no two near messages share a unique name (in any mailboxes)"},
			`SELECT format('unique name %Q: %d messages', unique_name, count(*)) FROM near_messages
			GROUP BY unique_name HAVING count(*) > 1`},
		{Invariant{"near-message-file-name", "a near message is in cur or new and its file name starts with its unique name"},
			`SELECT format('near mailbox %d UID %d: subdir %Q file %Q unique name %Q', mailbox_id, uid, subdir, file_name, unique_name)
			FROM near_messages WHERE subdir NOT IN ('cur', 'new') OR substr(file_name, 1, length(unique_name)) != unique_name`},
	}
}

// flagsInvariant is checked in Go by checkFlags.
var flagsInvariant = Invariant{"flags-canonical", "stored flags and labels are canonical FlagSet text"}

// Invariants returns every invariant CheckConsistency checks.
func Invariants() []Invariant {
	var out []Invariant
	for _, c := range checks() {
		out = append(out, c.Invariant)
	}
	return append(out, flagsInvariant)
}

// CheckConsistency checks every invariant (see Invariants) on a snapshot of
// the database and returns a *ConsistencyError listing all violations found
// (up to 100 per invariant), or nil.
func (db *DB) CheckConsistency(ctx context.Context) error {
	return db.View(ctx, func(tx *Tx) error { return tx.CheckConsistency() })
}

// CheckConsistency checks every invariant as seen inside the transaction
// (including its uncommitted writes); see DB.CheckConsistency.
func (t *Tx) CheckConsistency() error {
	var found []Violation
	for _, c := range checks() {
		details, err := t.strings("check "+c.Name, c.query+fmt.Sprintf(" LIMIT %d", maxDetails))
		if isCorrupt(err) { // report it and go on: other checks may still read
			found = append(found, Violation{"sqlite-integrity", fmt.Sprintf("checking %s: %v", c.Name, err)})
			continue
		}
		if err != nil {
			return err
		}
		for _, d := range details {
			found = append(found, Violation{c.Name, d})
		}
	}
	v, err := t.checkFlags()
	if isCorrupt(err) {
		v = []Violation{{"sqlite-integrity", fmt.Sprintf("checking %s: %v", flagsInvariant.Name, err)}}
	} else if err != nil {
		return err
	}
	if found = append(found, v...); len(found) > 0 {
		return &ConsistencyError{Path: t.path, Violations: found}
	}
	return nil
}

// isCorrupt reports whether err says the file is damaged.
func isCorrupt(err error) bool {
	return err != nil && (isCode(err, codeCorrupt) || isCode(err, codeNotADB))
}

// checkFlags reports every distinct non-canonical flag text. Distinct texts
// are few even in huge mailboxes, so this reads little.
func (t *Tx) checkFlags() ([]Violation, error) {
	const op = "check flags"
	rows, err := t.query(op, `SELECT DISTINCT 'pairs.flags', flags FROM pairs
		UNION ALL SELECT DISTINCT 'pairs.labels', labels FROM pairs
		UNION ALL SELECT DISTINCT 'near_messages.flags', flags FROM near_messages`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		var col, text string
		if err := rows.Scan(&col, &text); err != nil {
			return nil, t.errorf(op, err)
		}
		if !FlagSet(text).Valid() && len(out) < maxDetails {
			out = append(out, Violation{flagsInvariant.Name, fmt.Sprintf("%s %q is not canonical", col, text)})
		}
	}
	return out, closeRows(t, op, rows)
}

// strings returns the single text column of every row of query.
func (t *Tx) strings(op, query string) ([]string, error) {
	rows, err := t.query(op, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, t.errorf(op, err)
		}
		out = append(out, s)
	}
	return out, closeRows(t, op, rows)
}
