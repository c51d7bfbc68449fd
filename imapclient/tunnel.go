package imapclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// tunnelExitWait is how long Close lets a tunnel command end by itself
// (its stdin closed) before killing it.
const tunnelExitWait = 5 * time.Second

// tunnelStderrMax bounds what is kept of a tunnel command's stderr, for
// the error of a connection that fails.
const tunnelStderrMax = 2048

// TunnelDialer returns an Options.Dialer that speaks IMAP over the stdin
// and stdout of command, run with "sh -c" (mbsync's Tunnel): for example
// "ssh mail.example.com /usr/lib/dovecot/imap", whose server greets
// already authenticated (PREAUTH, RFC 9051 §7.1.4), or "ssh host nc
// localhost 143", which is then logged in to as usual. The command's own
// transport protects the connection: dial with InsecurePlaintext. Every
// dial starts one process; closing the connection closes its stdin and
// ends it (killed if it lingers). The last lines of its stderr are kept
// for the error of a connection that fails to set up.
func TunnelDialer(command string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		return startTunnel(ctx, command)
	}
}

// tunnelConn is a connection over a command's stdin and stdout.
type tunnelConn struct {
	command string
	cmd     *exec.Cmd
	r       *os.File // the command's stdout
	w       *os.File // the command's stdin
	stderr  *tailBuffer
	exited  chan struct{}
	once    sync.Once
}

func startTunnel(ctx context.Context, command string) (*tunnelConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	t := &tunnelConn{command: command, r: outR, w: inW, stderr: &tailBuffer{max: tunnelStderrMax}, exited: make(chan struct{})}
	// Not CommandContext: ctx bounds the dial, the process lives on with
	// the connection.
	t.cmd = exec.Command("/bin/sh", "-c", command)
	t.cmd.Stdin, t.cmd.Stdout, t.cmd.Stderr = inR, outW, t.stderr
	err = t.cmd.Start()
	inR.Close() // the child holds its own copies
	outW.Close()
	if err != nil {
		outR.Close()
		inW.Close()
		return nil, fmt.Errorf("imapclient: tunnel %q: %w", command, err)
	}
	go func() {
		t.cmd.Wait()
		close(t.exited)
	}()
	return t, nil
}

func (t *tunnelConn) Read(p []byte) (int, error)  { return t.r.Read(p) }
func (t *tunnelConn) Write(p []byte) (int, error) { return t.w.Write(p) }

// failed closes the tunnel and wraps err, the failure to set up the
// connection, with how the command ended and the last line of its stderr.
func (t *tunnelConn) failed(err error) error {
	t.Close()
	msg := fmt.Sprintf("tunnel %q", t.command)
	if st := t.cmd.ProcessState; st != nil && !st.Success() {
		msg += " failed (" + st.String() + ")"
	}
	if last := t.stderr.lastLine(); last != "" {
		msg += ": " + last
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// Close closes the command's stdin and stdout, and waits for it to end
// (killing it after tunnelExitWait).
func (t *tunnelConn) Close() error {
	t.once.Do(func() {
		t.w.Close()
		t.r.Close()
		select {
		case <-t.exited:
		case <-time.After(tunnelExitWait):
			t.cmd.Process.Kill()
			<-t.exited
		}
	})
	return nil
}

func (t *tunnelConn) LocalAddr() net.Addr  { return tunnelAddr(t.command) }
func (t *tunnelConn) RemoteAddr() net.Addr { return tunnelAddr(t.command) }

func (t *tunnelConn) SetDeadline(d time.Time) error {
	return errors.Join(t.r.SetReadDeadline(d), t.w.SetWriteDeadline(d))
}
func (t *tunnelConn) SetReadDeadline(d time.Time) error  { return t.r.SetReadDeadline(d) }
func (t *tunnelConn) SetWriteDeadline(d time.Time) error { return t.w.SetWriteDeadline(d) }

// tunnelAddr is the address of a tunnel: its command.
type tunnelAddr string

func (tunnelAddr) Network() string  { return "command" }
func (a tunnelAddr) String() string { return string(a) }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// lastLine returns the last non-empty line written.
func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
