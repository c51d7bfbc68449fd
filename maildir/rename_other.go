//go:build !linux

package maildir

import "errors"

// renameNoReplace renames oldPath to newPath and fails with an error
// wrapping fs.ErrExist if newPath exists (link+unlink here).
func renameNoReplace(oldPath, newPath string) error { return linkUnlink(oldPath, newPath) }

// syncFS is not available outside Linux; batches fsync each file.
func syncFS(string) error { return errors.New("syncfs not supported on this system") }

// haveSyncFS reports whether syncFS is available here.
const haveSyncFS = false
