//go:build !linux

package maildir

import (
	"io/fs"
	"time"
)

// lastChange returns the file's mtime where ctime is not at hand (see the
// Linux version for why ctime matters). Staged files there may look stale
// when the message date is old; only an Open during a batch is affected.
func lastChange(info fs.FileInfo) time.Time { return info.ModTime() }
