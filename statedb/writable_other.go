//go:build !unix

package statedb

// writable reports true where access(2) is not available: the database
// is then opened read-only but not immutable.
func writable(string) bool { return true }
