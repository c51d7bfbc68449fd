//go:build linux

package maildirstore

import (
	"os"
	"syscall"
)

// inodeOf returns a file's inode number as maildir's Scan reports it
// (maildir.Entry.Ino: the directory listing's, on Linux).
func inodeOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
