//go:build !linux

package readersim

import "os"

// replaceExisting puts the file at from in the place of the file at to;
// without RENAME_EXCHANGE it checks that to exists first (racy).
func replaceExisting(from, to string) error {
	if _, err := os.Lstat(to); err != nil {
		return err
	}
	return os.Rename(from, to)
}
