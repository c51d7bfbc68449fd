package testenv

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// authDaemon answers password checks for the private Cyrus and Courier
// servers over Courier's authdaemon protocol, on a Unix socket of the
// server's directory. Cyrus reaches it through its SASL library
// (sasl_pwcheck_method: authdaemond), Courier's imaplogin through
// libcourierauth. Users live in memory: one added is known at once, and no
// system service (saslauthd, authdaemond, PAM) is involved.
//
// The protocol (courier-authlib, authdaemon): the client sends
// "AUTH <n>\n" and n bytes "service\nauthtype\nauthdata", where for the
// "login" type authdata is "user\npass\n"; or "PRE . service user\n" to
// look a user up without a password. A found user is answered with
// NAME=value lines ending in a line ".", anything else with "FAIL".
type authDaemon struct {
	ln   net.Listener
	path string

	mu    sync.Mutex
	users map[string]authUser
	wg    sync.WaitGroup
}

// authUser is one account the daemon knows.
type authUser struct {
	password string
	uid, gid int
	home     string // also the Maildir (Courier); "" for Cyrus
}

// authTimeout bounds one connection to the daemon.
const authTimeout = 30 * time.Second

// authRequestMax bounds an AUTH request's announced size.
const authRequestMax = 8192

// startAuthDaemon listens on path and serves until close.
func startAuthDaemon(path string) (*authDaemon, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("testenv: authdaemon: %w", err)
	}
	// Cyrus's and Courier's login processes run as unprivileged users.
	if err := os.Chmod(path, 0o777); err != nil {
		ln.Close()
		return nil, fmt.Errorf("testenv: authdaemon: %w", err)
	}
	d := &authDaemon{ln: ln, path: path, users: map[string]authUser{}}
	d.wg.Add(1)
	go d.serve()
	return d, nil
}

// add makes a user known; it fails when the name is taken.
func (d *authDaemon) add(name string, u authUser) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.users[name]; ok {
		return fmt.Errorf("testenv: add user %q: already exists", name)
	}
	d.users[name] = u
	return nil
}

// lookup returns the user called name.
func (d *authDaemon) lookup(name string) (authUser, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[name]
	return u, ok
}

// close stops listening and waits for the connections in flight.
func (d *authDaemon) close() {
	d.ln.Close()
	d.wg.Wait()
}

func (d *authDaemon) serve() {
	defer d.wg.Done()
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(authTimeout))
			d.handle(c)
		}()
	}
}

// handle answers the one request of a connection and closes it, as
// Courier's authdaemond does: the SASL library reads the reply until the
// connection ends. libcourierauth (0.71) first sends NAME=value lines
// about the client (TCPREMOTEIP=...): they are skipped.
func (d *authDaemon) handle(c net.Conn) {
	r := bufio.NewReader(io.LimitReader(c, 2*authRequestMax))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if isEnvLine(line) {
			continue
		}
		_, _ = io.WriteString(c, d.answer(line, r))
		return
	}
}

// isEnvLine reports whether line is a NAME=value line.
func isEnvLine(line string) bool {
	name, _, ok := strings.Cut(line, "=")
	return ok && name != "" && !strings.ContainsAny(name, " \t")
}

// answer returns the reply to one request whose first line is line.
func (d *authDaemon) answer(line string, r *bufio.Reader) string {
	const fail = "FAIL\n"
	switch {
	case strings.HasPrefix(line, "AUTH "):
		n, err := strconv.Atoi(strings.TrimPrefix(line, "AUTH "))
		if err != nil || n <= 0 || n > authRequestMax {
			return fail
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return fail
		}
		name, ok := d.checkLogin(string(buf))
		if !ok {
			return fail
		}
		return d.userReply(name)
	case strings.HasPrefix(line, "PRE . "):
		f := strings.Fields(line) // PRE . service user
		if len(f) != 4 {
			return fail
		}
		return d.userReply(f[3])
	}
	return fail
}

// checkLogin checks "service\nlogin\nuser\npass\n" and returns the user.
func (d *authDaemon) checkLogin(req string) (string, bool) {
	f := strings.Split(req, "\n")
	if len(f) < 4 || f[1] != "login" {
		return "", false
	}
	u, ok := d.lookup(f[2])
	if !ok || u.password == "" || u.password != f[3] {
		return "", false
	}
	return f[2], true
}

// userReply is the success answer for name, or FAIL if unknown.
func (d *authDaemon) userReply(name string) string {
	u, ok := d.lookup(name)
	if !ok {
		return "FAIL\n"
	}
	var b strings.Builder
	// No USERNAME=: libcourierauth takes it for a system account name.
	fmt.Fprintf(&b, "UID=%d\nGID=%d\n", u.uid, u.gid)
	if u.home != "" {
		fmt.Fprintf(&b, "HOME=%s\nMAILDIR=%s/Maildir\n", u.home, u.home)
	} else {
		b.WriteString("HOME=/nonexistent\n")
	}
	fmt.Fprintf(&b, "ADDRESS=%s\n.\n", name)
	return b.String()
}
