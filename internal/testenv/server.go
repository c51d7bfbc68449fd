package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNotInstalled is returned (and reported by Dovecot) when the Dovecot
// binaries are missing. Its text says how to install them.
var ErrNotInstalled = errors.New("dovecot not found: install it with `apt-get install dovecot-imapd`")

// startAttempts bounds the retries when a picked port was taken meanwhile.
const startAttempts = 5

// stopGrace is how long Stop waits for Dovecot before using SIGKILL.
const stopGrace = 10 * time.Second

// Options tune Start. The zero value is the standard test server.
type Options struct {
	// ExtraConfig is appended verbatim to the generated dovecot.conf;
	// a setting repeated there overrides the generated one (for example
	// `imap_capability = IMAP4rev1 IDLE` to test a client's fallbacks).
	ExtraConfig string

	// pickPorts replaces freePorts in tests of the bind-retry path.
	pickPorts func(n int) ([]int, error)
}

// binaries are the Dovecot programs the harness runs.
type binaries struct {
	dovecot, doveadm, imap string
}

// Server is a private Dovecot started by Start (or Dovecot) for tests:
// IMAP with STARTTLS and IMAPS on 127.0.0.1, passwd-file users, Maildir
// storage, all under one temporary directory. Its methods are safe for
// concurrent use.
type Server struct {
	dir       string // private temp dir holding everything below
	conf      string // dovecot.conf path
	bins      binaries
	id        identity
	certs     *certSet
	pool      *x509.CertPool
	imapPort  int
	imapsPort int
	master    *master

	mu         sync.Mutex
	users      map[string]string // name → home directory
	userSeq    int
	deliverSeq int       // Q counter of DeliverMessages file names
	deliverAt  time.Time // time in the last DeliverMessages file name

	stopOnce sync.Once
	stopErr  error
}

// findBinaries locates dovecot, doveadm and the imap service binary.
func findBinaries() (binaries, error) {
	var b binaries
	var err error
	if b.dovecot, err = lookBin("dovecot", "/usr/sbin/dovecot"); err != nil {
		return b, err
	}
	if b.doveadm, err = lookBin("doveadm", "/usr/bin/doveadm"); err != nil {
		return b, err
	}
	b.imap = "/usr/lib/dovecot/imap"
	for _, p := range []string{b.imap, "/usr/lib/dovecot/imap-login"} {
		if _, err := os.Stat(p); err != nil {
			return b, fmt.Errorf("%w (%s: %v)", ErrNotInstalled, p, err)
		}
	}
	return b, nil
}

// lookBin finds name in $PATH or at fallback (sbin is not always in PATH).
func lookBin(name, fallback string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if _, err := os.Stat(fallback); err == nil {
		return fallback, nil
	}
	return "", fmt.Errorf("%w (%s not in $PATH nor at %s)", ErrNotInstalled, name, fallback)
}

// Start starts a new private Dovecot and returns once its IMAPS port
// greets. ctx bounds the start-up only. The caller must call Stop; tests
// normally use the package's shared server through Dovecot instead.
// A start-up failure's error includes the tail of Dovecot's log.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	id, err := resolveIdentity()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempRoot(id), "idv")
	if err != nil {
		return nil, fmt.Errorf("testenv: %w", err)
	}
	s := &Server{
		dir: dir, conf: filepath.Join(dir, "dovecot.conf"), bins: bins, id: id,
		users: map[string]string{},
	}
	if err := s.prepare(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.launch(ctx, opts); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// tempRoot is where the server's directory goes. Not t.TempDir: base_dir
// holds Unix sockets whose paths must stay under 108 bytes, so the path
// must be short; and as root, Dovecot's unprivileged users must be able
// to traverse it, which a private $TMPDIR may not allow: then /tmp.
func tempRoot(id identity) string {
	if d := os.TempDir(); !id.root && len(d) <= 40 {
		return d
	}
	return "/tmp"
}

// prepare creates the directory tree, certificates and passwd-file dir.
func (s *Server) prepare() error {
	// 0711: Dovecot's unprivileged processes must traverse it (root runs).
	if err := os.Chmod(s.dir, 0o711); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	for _, d := range []string{"state", "home"} {
		if err := os.Mkdir(filepath.Join(s.dir, d), 0o711); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
	}
	certs, err := newCertSet()
	if err != nil {
		return err
	}
	if err := certs.write(filepath.Join(s.dir, "ssl")); err != nil {
		return err
	}
	s.certs = certs
	s.pool = x509.NewCertPool()
	s.pool.AppendCertsFromPEM(certs.caPEM)
	// The auth process reads the passwd-files as default_internal_user.
	users := filepath.Join(s.dir, "users")
	if err := os.Mkdir(users, 0o700); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	if err := os.Chown(users, s.id.internalUID, -1); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	return nil
}

// launch writes the config and starts the master on fresh ports, retrying
// when a port was taken between picking and binding.
func (s *Server) launch(ctx context.Context, opts Options) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	var err error
	for range startAttempts {
		err = s.launchOnce(ctx, opts)
		if err == nil || !strings.Contains(s.logTail(20), "Address already in use") {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("%w\n--- dovecot log tail (%s) ---\n%s", err, s.dir, s.logTail(30))
	}
	return nil
}

// launchOnce is one start attempt; on failure nothing is left running.
func (s *Server) launchOnce(ctx context.Context, opts Options) error {
	pick := opts.pickPorts
	if pick == nil {
		pick = freePorts
	}
	ports, err := pick(2)
	if err != nil {
		return err
	}
	s.imapPort, s.imapsPort = ports[0], ports[1]
	text, err := renderConfig(configData{
		Dir: s.dir, BaseDir: filepath.Join(s.dir, "run"),
		IMAPPort: s.imapPort, IMAPSPort: s.imapsPort,
		Instance: "imapdir-test-" + strings.TrimPrefix(filepath.Base(s.dir), "idv"),
		ID:       s.id, Extra: opts.ExtraConfig,
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.conf, text, 0o644); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	s.master, err = spawnMaster(s.bins.dovecot, s.conf, filepath.Join(s.dir, "master.out"))
	if err != nil {
		return err
	}
	if err := waitReady(ctx, s.master, s.IMAPSAddr(), s.TLSConfig()); err != nil {
		_ = s.master.stop(stopGrace)
		return err
	}
	return nil
}

// logTail returns the last n lines of Dovecot's log and of the master's
// own output (early fatal errors go there).
func (s *Server) logTail(n int) string {
	var b strings.Builder
	for _, name := range []string{"master.out", "dovecot.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil || len(data) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "[%s]\n%s\n", name, strings.Join(lines, "\n"))
	}
	return b.String()
}

// LogTail returns the last n lines of the server's logs, for test output.
func (s *Server) LogTail(n int) string { return s.logTail(n) }

// Stop stops Dovecot (SIGTERM to the master, SIGKILL to its process group
// after a grace period), waits until none of its processes is left, and
// removes the temporary directory. It is idempotent.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.master.stop(stopGrace)
		if err := os.RemoveAll(s.dir); err != nil && s.stopErr == nil {
			s.stopErr = fmt.Errorf("testenv: remove %s: %w", s.dir, err)
		}
	})
	return s.stopErr
}

// Host is the address Dovecot listens on: always "127.0.0.1".
func (s *Server) Host() string { return "127.0.0.1" }

// IMAPPort is the plain IMAP port; it offers STARTTLS (RFC 9051 §6.2.1)
// and also accepts LOGIN without it.
func (s *Server) IMAPPort() int { return s.imapPort }

// IMAPSPort is the implicit-TLS IMAP port (RFC 8314 §3.3).
func (s *Server) IMAPSPort() int { return s.imapsPort }

// IMAPAddr is "127.0.0.1:IMAPPort", ready for net.Dial.
func (s *Server) IMAPAddr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.imapPort)) }

// IMAPSAddr is "127.0.0.1:IMAPSPort", ready for tls.Dial.
func (s *Server) IMAPSAddr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.imapsPort)) }

// CAPEM returns (a copy of) the PEM of the CA that signed the server's
// certificate. The certificate names localhost, 127.0.0.1 and ::1.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.certs.caPEM...) }

// TLSConfig returns a new client configuration that trusts only the
// test CA, with ServerName "localhost".
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

// ConfigPath is the dovecot.conf of this server, for running Dovecot
// tools by hand (`doveadm -c PATH ...`).
func (s *Server) ConfigPath() string { return s.conf }

// LogPath is Dovecot's log file (login, mail process and error lines).
func (s *Server) LogPath() string { return filepath.Join(s.dir, "dovecot.log") }

// Dir is the server's private temporary directory (removed by Stop).
func (s *Server) Dir() string { return s.dir }
