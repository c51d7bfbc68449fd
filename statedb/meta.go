package statedb

import "fmt"

// Meta returns the account-level value stored under key; found is false when
// the key is not set.
func (t *Tx) Meta(key string) (value string, found bool, err error) {
	found, err = t.queryRow(fmt.Sprintf("meta %q", key), `SELECT value FROM meta WHERE key = ?`,
		[]any{key}, func(scan func(...any) error) error { return scan(&value) })
	return value, found, err
}

// SetMeta stores value under key, replacing any previous value.
func (t *Tx) SetMeta(key, value string) error {
	op := fmt.Sprintf("set meta %q", key)
	if key == "" {
		return t.invalid(op, "empty key")
	}
	_, err := t.exec(op, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// DeleteMeta removes key; deleting an absent key is not an error.
func (t *Tx) DeleteMeta(key string) error {
	_, err := t.exec(fmt.Sprintf("delete meta %q", key), `DELETE FROM meta WHERE key = ?`, key)
	return err
}
