package testenv

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// master is a running Dovecot master process, our child.
type master struct {
	pid    int
	exited chan struct{} // closed once the master has been reaped
	err    error         // cmd.Wait's result; read only after exited is closed
}

// spawnMaster starts `dovecot -F -c conf` in its own process group with
// stdout and stderr appended to outPath.
//
// Pdeathsig makes the kernel send SIGTERM to the master when the thread
// that forked it dies, so a killed test binary leaves nothing behind (the
// master then stops its children). Go may retire an OS thread, so the
// fork happens on a goroutine locked to its thread for the master's life.
func spawnMaster(bin, conf, outPath string) (*master, error) {
	return spawnGroup(exec.Command(bin, "-F", "-c", conf), outPath)
}

// spawnGroup starts cmd as a server's master process, as spawnMaster
// describes: own process group, Pdeathsig, output appended to outPath.
func spawnGroup(cmd *exec.Cmd, outPath string) (*master, error) {
	bin := cmd.Path
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testenv: open master output: %w", err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	m := &master{exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		defer out.Close()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		m.pid = cmd.Process.Pid
		started <- nil
		m.err = cmd.Wait()
		close(m.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("testenv: start %s: %w", bin, err)
	}
	return m, nil
}

// stop ends the master and its children: SIGTERM to the whole process
// group (signalling the master alone leaves its children alive for about
// ten seconds after it exits), SIGKILL after grace; it returns once no
// process of the group is left.
func (m *master) stop(grace time.Duration) error {
	_ = syscall.Kill(-m.pid, syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(grace):
		_ = syscall.Kill(-m.pid, syscall.SIGKILL)
		<-m.exited
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if len(groupPIDs(m.pid)) == 0 {
			return nil
		}
		_ = syscall.Kill(-m.pid, sig)
		if err := waitGroupGone(m.pid, grace); err == nil {
			return nil
		}
	}
	return fmt.Errorf("testenv: server (pid %d): processes %v survive SIGKILL", m.pid, groupPIDs(m.pid))
}

// hasExited reports whether the master has been reaped.
func (m *master) hasExited() bool {
	select {
	case <-m.exited:
		return true
	default:
		return false
	}
}

// startError describes a master that exited during start-up; call it
// only after exited is closed.
func (m *master) startError() error {
	err := m.err
	if err == nil {
		err = errors.New("exit status 0")
	}
	return fmt.Errorf("testenv: server exited during start-up: %w", err)
}

// groupPIDs lists the live (non-zombie) processes of process group pgid.
func groupPIDs(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, pg, ok := procStat(pid); ok && pg == pgid && state != 'Z' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat returns the state letter and process group of pid from
// /proc/PID/stat (see proc(5)); ok is false when pid does not exist.
func procStat(pid int) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // comm may hold spaces and parens
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp ...
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, false
	}
	pg, err := strconv.Atoi(f[2])
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], pg, true
}

// waitGroupGone waits until process group pgid has no live process. It
// waits on pidfds (readable when the process exits), so no polling.
func waitGroupGone(pgid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pids := groupPIDs(pgid)
		if len(pids) == 0 {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("processes %v of group %d still alive after %v", pids, pgid, timeout)
		}
		waitPIDs(pids, left)
	}
}

// waitPIDs blocks until one of pids exits or timeout passes.
func waitPIDs(pids []int, timeout time.Duration) {
	var fds []unix.PollFd
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return // already gone (ESRCH): let the caller rescan
		}
		defer unix.Close(fd)
		fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	}
	ms := int(timeout / time.Millisecond)
	for {
		_, err := unix.Poll(fds, max(ms, 1))
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// waitReady waits until the IMAPS port greets with Dovecot's capability
// banner (which is sent only once the auth process answers), the master
// exits, or ctx ends. A master that exits aborts the probe in flight: the
// port may belong to someone else (that is why the master failed).
func waitReady(ctx context.Context, m *master, addr string, conf *tls.Config) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-m.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := probeGreeting(ctx, addr, conf)
		if err == nil {
			return nil
		}
		if m.hasExited() { // checked first: ctx is cancelled by the exit too
			return m.startError()
		}
		select {
		case <-m.exited:
			return m.startError()
		case <-ctx.Done():
			return fmt.Errorf("testenv: server not ready at %s: %w (last attempt: %v)", addr, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// probeGreeting connects once with TLS and reads the greeting (RFC 9051
// §7.1.1). Dovecot first sends "* OK Waiting for authentication..." when
// its auth process is slow; the real greeting carries [CAPABILITY ...].
//
// With conf nil the probe connects without TLS.
func probeGreeting(ctx context.Context, addr string, conf *tls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var c net.Conn
	var err error
	if conf == nil {
		c, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	} else {
		c, err = (&tls.Dialer{NetDialer: &net.Dialer{}, Config: conf}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() }) // unblocks the read
	defer stop()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read greeting: %w", err)
		}
		if strings.HasPrefix(line, "* OK [CAPABILITY ") {
			_, _ = c.Write([]byte("x LOGOUT\r\n"))
			return nil
		}
		if !strings.HasPrefix(line, "* OK ") {
			return fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
		}
	}
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. Another process may take one before Dovecot binds it: the
// caller retries with new ports when the bind fails.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("testenv: pick a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
