//go:build unix

package watch

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the hook in its own process group, so that a
// timeout kills the shell and whatever it started.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
