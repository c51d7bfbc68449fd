//go:build !unix

package watch

import "os/exec"

// setProcessGroup does nothing here: a timeout kills the shell only.
func setProcessGroup(*exec.Cmd) {}
