//go:build linux

package maildir

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// direntBufSize is the getdents64(2) buffer: about 1500 Maildir names a
// call.
const direntBufSize = 64 * 1024

// Offsets in struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16,
// d_type u8, d_name.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// readDirNames calls fn for each entry of dir that is not a directory,
// "." or "..", with its inode number, with one getdents64(2) per buffer and no per-file system
// call (the file type comes with the entry; only on file systems that
// do not report it is the entry lstat'ed). It stops when ctx is done.
func readDirNames(ctx context.Context, dir string, fn func(name string, ino uint64)) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, direntBufSize)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n <= 0 {
			return nil
		}
		if err := parseDirents(dir, buf[:n], fn); err != nil {
			return err
		}
	}
}

// parseDirents walks the records getdents64 returned.
func parseDirents(dir string, b []byte, fn func(name string, ino uint64)) error {
	for len(b) > 0 {
		if len(b) < direntName {
			return fmt.Errorf("getdents %s: short record", dir)
		}
		reclen := int(binary.NativeEndian.Uint16(b[direntReclen:]))
		if reclen < direntName || reclen > len(b) {
			return fmt.Errorf("getdents %s: bad record length %d", dir, reclen)
		}
		rec := b[:reclen]
		b = b[reclen:]
		name := rec[direntName:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		typ := rec[direntType]
		if typ == unix.DT_DIR {
			continue
		}
		s := string(name)
		if typ == unix.DT_UNKNOWN {
			if st, err := os.Lstat(filepath.Join(dir, s)); err != nil || st.IsDir() {
				continue
			}
		}
		fn(s, binary.NativeEndian.Uint64(rec))
	}
	return nil
}
