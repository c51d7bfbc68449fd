package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind names an IMAP server implementation the harness can start.
type Kind string

// The servers the harness starts.
const (
	KindDovecot Kind = "dovecot" // Debian's dovecot-imapd, installed
	KindCyrus   Kind = "cyrus"   // Debian's cyrus-imapd, unpacked privately
	KindCourier Kind = "courier" // Debian's courier-imap, unpacked privately
)

// Kinds lists every server kind, Dovecot first: the table that tests
// meant to hold on every server iterate over.
var Kinds = []Kind{KindDovecot, KindCyrus, KindCourier}

// MailServer is what tests that run on every kind of server use: where
// to connect, fresh users, and seed and truth helpers that do not go
// through the project's IMAP client. Mailbox names in the helpers are
// UTF-8 with "/" as the hierarchy separator ("Archive/2024"), whatever
// the server's own prefix and delimiter.
type MailServer interface {
	Kind() Kind
	Host() string
	IMAPAddr() string
	IMAPSAddr() string
	TLSConfig() *tls.Config
	NewUser(tb testing.TB) User
	CreateMailbox(tb testing.TB, user, name string)
	ListMailboxes(tb testing.TB, user string) []string
	SaveMessage(tb testing.TB, user, mailbox string, raw []byte) uint32
	SaveMessages(tb testing.TB, user, mailbox string, raws ...[]byte) []uint32
	AddFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string)
	RemoveFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string)
	MessageFlags(tb testing.TB, user, mailbox string, uid uint32) []string
	FetchText(tb testing.TB, user, mailbox string, uid uint32) []byte
	Expunge(tb testing.TB, user, mailbox string, uids ...uint32)
	DeliverMessages(tb testing.TB, user, mailbox string, date time.Time, raws ...[]byte) []uint32
}

// Kind reports KindDovecot.
func (s *Server) Kind() Kind { return KindDovecot }

// ErrServerNotUnpacked is returned when the private Cyrus or Courier tree
// is missing. Its text says how to unpack it.
var ErrServerNotUnpacked = errors.New("private server tree not found: run `internal/testenv/servers/install.sh` (as root; CI's .ci/run does)")

// serversCache is where internal/testenv/servers/install.sh unpacks the
// servers; keep the two in step.
func serversCache() string {
	if d := os.Getenv("IMAPDIR_TESTENV_CACHE"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/cache/imapdir-testenv"
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "imapdir-testenv")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "imapdir-testenv")
}

// serverTree returns the unpacked tree of kind and its package version,
// checking that want (paths inside it) exist.
func serverTree(kind Kind, want ...string) (tree, version string, err error) {
	tree, err = filepath.EvalSymlinks(filepath.Join(serversCache(), string(kind)))
	if err != nil {
		return "", "", fmt.Errorf("testenv: %s: %w (%v)", kind, ErrServerNotUnpacked, err)
	}
	for _, p := range want {
		if _, err := os.Stat(filepath.Join(tree, p)); err != nil {
			return "", "", fmt.Errorf("testenv: %s: %w (%v)", kind, ErrServerNotUnpacked, err)
		}
	}
	v, _ := os.ReadFile(filepath.Join(tree, ".version"))
	return tree, strings.TrimSpace(string(v)), nil
}

// treeEnv is the environment for a binary of an unpacked tree: its own
// libraries first.
func treeEnv(tree string, extra ...string) []string {
	lp := filepath.Join(tree, "usr/lib/x86_64-linux-gnu") + ":" + filepath.Join(tree, "usr/lib")
	return append([]string{"PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LD_LIBRARY_PATH=" + lp}, extra...)
}

// OtherServer is a private Cyrus or Courier started by StartCyrus or
// StartCourier (or the shared Cyrus and Courier): plain IMAP with
// STARTTLS and implicit TLS on 127.0.0.1, users checked by an in-process
// authdaemon, everything under one temporary directory. Its helpers
// speak IMAP to the server itself (there is no doveadm); its methods are
// safe for concurrent use.
type OtherServer struct {
	kind      Kind
	version   string // Debian package version
	tree      string // unpacked package tree
	dir       string
	id        identity
	certs     *certSet
	pool      *x509.CertPool
	auth      *authDaemon
	imapPort  int
	imapsPort int
	masters   []*master // the first answers on imapPort
	logName   string    // file in dir with the server's output

	// newUser prepares the server side of a new user (Cyrus: CREATE
	// user.NAME as admin; Courier: a Maildir).
	newUser func(name string) error

	mu      sync.Mutex
	userSeq int
	users   map[string]string // name → password

	stopOnce sync.Once
	stopErr  error
}

// newOther prepares the directory, certificates and authdaemon shared by
// both kinds.
func newOther(kind Kind, tree, version string) (*OtherServer, error) {
	id, err := resolveIdentity()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempRoot(id), "id"+string(kind[:2]))
	if err != nil {
		return nil, fmt.Errorf("testenv: %w", err)
	}
	s := &OtherServer{kind: kind, version: version, tree: tree, dir: dir, id: id, users: map[string]string{}}
	if err := s.prepare(); err != nil {
		s.cleanup()
		return nil, err
	}
	return s, nil
}

func (s *OtherServer) prepare() error {
	if err := os.Chmod(s.dir, 0o711); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	certs, err := newCertSet()
	if err != nil {
		return err
	}
	if err := certs.write(filepath.Join(s.dir, "ssl")); err != nil {
		return err
	}
	// The servers read the key as the mail user.
	for _, f := range []string{"ssl", "ssl/cert.pem", "ssl/key.pem"} {
		if err := os.Chown(filepath.Join(s.dir, f), s.id.mailUID, s.id.mailGID); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
	}
	s.certs = certs
	s.pool = x509.NewCertPool()
	s.pool.AppendCertsFromPEM(certs.caPEM)
	s.auth, err = startAuthDaemon(filepath.Join(s.dir, "authd"))
	return err
}

// cleanup stops the authdaemon and removes the directory.
func (s *OtherServer) cleanup() error {
	if s.auth != nil {
		s.auth.close()
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("testenv: remove %s: %w", s.dir, err)
	}
	return nil
}

// launch starts the server on fresh ports with start, retrying when a
// port was taken, and waits for the plain port's greeting.
func (s *OtherServer) launch(ctx context.Context, start startFunc) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	var err error
	for range startAttempts {
		if err = s.launchOnce(ctx, start); err == nil {
			return nil
		}
		if !strings.Contains(s.logTail(20), "in use") {
			break
		}
	}
	return fmt.Errorf("testenv: start %s %s: %w\n--- log tail (%s) ---\n%s", s.kind, s.version, err, s.dir, s.logTail(30))
}

// startFunc starts a server's processes on the two ports: the first
// master serves imapPort. On error nothing is left running.
type startFunc func(imapPort, imapsPort int) ([]*master, error)

func (s *OtherServer) launchOnce(ctx context.Context, start startFunc) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	s.imapPort, s.imapsPort = ports[0], ports[1]
	ms, err := start(s.imapPort, s.imapsPort)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, ms[0], s.IMAPAddr(), nil); err != nil {
		stopAll(ms)
		return err
	}
	if err := waitReady(ctx, ms[len(ms)-1], s.IMAPSAddr(), s.TLSConfig()); err != nil {
		stopAll(ms)
		return err
	}
	s.masters = ms
	return nil
}

// stopAll stops masters and returns the first error.
func stopAll(masters []*master) error {
	var first error
	for _, m := range masters {
		if err := m.stop(stopGrace); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// logTail returns the last n lines of the server's output.
func (s *OtherServer) logTail(n int) string {
	data, err := os.ReadFile(filepath.Join(s.dir, s.logName))
	if err != nil || len(data) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}

// LogTail returns the last n lines of the server's output, for test output.
func (s *OtherServer) LogTail(n int) string { return s.logTail(n) }

// Stop stops the server and its children, waits until none is left and
// removes the temporary directory. It is idempotent.
func (s *OtherServer) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = stopAll(s.masters)
		if err := s.cleanup(); err != nil && s.stopErr == nil {
			s.stopErr = err
		}
	})
	return s.stopErr
}

// Kind reports which server this is.
func (s *OtherServer) Kind() Kind { return s.kind }

// Version is the Debian package version of the server.
func (s *OtherServer) Version() string { return s.version }

// Host is the address the server listens on: always "127.0.0.1".
func (s *OtherServer) Host() string { return "127.0.0.1" }

// IMAPAddr is the plain IMAP port's address (STARTTLS offered; LOGIN
// allowed without it).
func (s *OtherServer) IMAPAddr() string {
	return net.JoinHostPort(s.Host(), strconv.Itoa(s.imapPort))
}

// IMAPSAddr is the implicit-TLS port's address.
func (s *OtherServer) IMAPSAddr() string {
	return net.JoinHostPort(s.Host(), strconv.Itoa(s.imapsPort))
}

// TLSConfig returns a new client configuration that trusts only the
// test CA, with ServerName "localhost".
func (s *OtherServer) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

// Dir is the server's private temporary directory (removed by Stop).
func (s *OtherServer) Dir() string { return s.dir }

// NewUser adds a fresh user with a unique name and a random password.
// Its INBOX exists and is empty.
func (s *OtherServer) NewUser(tb testing.TB) User {
	tb.Helper()
	s.mu.Lock()
	s.userSeq++
	n := s.userSeq
	s.mu.Unlock()
	u := User{Name: fmt.Sprintf("user%d%s", n, randomHex(3)), Password: randomHex(12)}
	if err := s.addUser(u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// addUser registers u with the authdaemon and the server.
func (s *OtherServer) addUser(u User) error {
	home := ""
	if s.kind == KindCourier {
		home = filepath.Join(s.dir, "home", u.Name)
	}
	err := s.auth.add(u.Name, authUser{password: u.Password, uid: s.id.mailUID, gid: s.id.mailGID, home: home})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.users[u.Name] = u.Password
	s.mu.Unlock()
	if s.newUser != nil {
		if err := s.newUser(u.Name); err != nil {
			return fmt.Errorf("testenv: %s: add user %q: %w", s.kind, u.Name, err)
		}
	}
	return nil
}

// password returns the password of a user added to s.
func (s *OtherServer) password(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pw, ok := s.users[name]
	if !ok {
		return "", fmt.Errorf("testenv: unknown user %q (add it with NewUser)", name)
	}
	return pw, nil
}
