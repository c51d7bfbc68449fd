package maildir

import (
	"io/fs"
	"syscall"
	"time"
)

// lastChange returns when a file was last written or had its metadata
// changed: the later of mtime and ctime. Delivery sets a staged file's
// mtime to the message's date (often years ago) before the rename, so
// staleness must not be judged by mtime alone, or a second Open of the
// folder would remove files a batch has staged but not yet committed.
func lastChange(info fs.FileInfo) time.Time {
	t := info.ModTime()
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		if c := time.Unix(st.Ctim.Sec, st.Ctim.Nsec); c.After(t) {
			t = c
		}
	}
	return t
}
