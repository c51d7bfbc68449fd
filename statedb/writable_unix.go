//go:build unix

package statedb

import "golang.org/x/sys/unix"

// writable reports whether this process may write path (access(2), which
// honours read-only mounts, the real uid, and root's privileges alike).
func writable(path string) bool {
	return unix.Access(path, unix.W_OK) == nil
}
