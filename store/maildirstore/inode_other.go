//go:build !linux

package maildirstore

import "os"

// inodeOf returns 0: maildir's Scan reports no inode numbers here
// (maildir.Entry.Ino), and the folder's signature must digest what a scan
// sees.
func inodeOf(os.FileInfo) uint64 { return 0 }
