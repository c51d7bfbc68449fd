// Package fetchbench holds issue 6's cross-store benchmark: bodies fetched
// from imapstore (the test Dovecot) delivered into maildirstore. It is a
// package of its own so that imapstore's tests do not depend on
// maildirstore; it has no code outside its tests.
package fetchbench
