// Package twintest holds no code. Its test is a second test binary using
// the testenv harness, so `go test ./internal/testenv/...` runs two
// packages, each with its own Dovecot, at the same time: proof that they
// do not collide on ports or directories (issue 2).
package twintest
