//go:build linux

package readersim

import "golang.org/x/sys/unix"

// replaceExisting puts the file at from in the place of the file at to,
// atomically and only if to still exists (a synchronizer may have renamed
// it meanwhile: then nothing happens and the error wraps ENOENT). The old
// file is left at from.
func replaceExisting(from, to string) error {
	return unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_EXCHANGE)
}
