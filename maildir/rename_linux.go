//go:build linux

package maildir

import (
	"errors"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames oldPath to newPath and fails with an error
// wrapping fs.ErrExist if newPath exists. It uses renameat2(2) with
// RENAME_NOREPLACE (Linux 3.15+), falling back to link+unlink on file
// systems that do not support the flag.
func renameNoReplace(oldPath, newPath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldPath, unix.AT_FDCWD, newPath, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return linkUnlink(oldPath, newPath)
	}
	return err
}

// syncFS flushes the whole file system holding path: syncfs(2), one call
// for a batch of any size.
func syncFS(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	err = unix.Syncfs(fd)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}

// haveSyncFS reports whether syncFS is available here.
const haveSyncFS = true
