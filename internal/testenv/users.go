package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mailUserName is the unprivileged system user that owns test mail when
// the tests run as root. It is created (useradd --system) when missing.
const mailUserName = "imapdir-test"

// fallbackMailUser owns test mail when mailUserName cannot be created; it
// exists on every Debian system (base-passwd).
const fallbackMailUser = "mail"

// useraddLock serialises the creation of mailUserName between test
// binaries that start at the same moment.
const useraddLock = "/tmp/imapdir-testenv-useradd.lock"

// User is a mail account of a test Dovecot.
type User struct {
	Name     string // login name
	Password string // plain-text password (LOGIN, AUTHENTICATE PLAIN)
}

// ensureMailUser returns the name of the system user that owns test mail
// in a root run, creating mailUserName when it does not exist yet.
func ensureMailUser() (string, error) {
	if _, _, err := lookupIDs(mailUserName); err == nil {
		return mailUserName, nil
	}
	f, err := os.OpenFile(useraddLock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("testenv: open %s: %w", useraddLock, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("testenv: lock %s: %w", useraddLock, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closed next anyway
	if _, _, err := lookupIDs(mailUserName); err == nil {
		return mailUserName, nil // created by a concurrent test binary
	}
	out, err := exec.Command("useradd", "--system", "--user-group", "--no-create-home",
		"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", mailUserName).CombinedOutput()
	if err == nil {
		return mailUserName, nil
	}
	if _, _, lerr := lookupIDs(fallbackMailUser); lerr != nil {
		return "", fmt.Errorf("testenv: useradd %s failed (%w: %s) and no %q user exists",
			mailUserName, err, strings.TrimSpace(string(out)), fallbackMailUser)
	}
	return fallbackMailUser, nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// NewUser adds a fresh user with a unique name and a random password, and
// returns it. Its mailbox is empty (INBOX is created on first access).
func (s *Server) NewUser(tb testing.TB) User {
	tb.Helper()
	s.mu.Lock()
	s.userSeq++
	n := s.userSeq
	s.mu.Unlock()
	u := User{Name: fmt.Sprintf("user%d-%s", n, randomHex(3)), Password: randomHex(12)}
	s.AddUser(tb, u.Name, u.Password)
	return u
}

// AddUser adds user name with password pw (passwd-file, scheme PLAIN). It fails
// the test if the name is taken, or if either contains ':', '/' (name
// only), a control character or is empty.
func (s *Server) AddUser(tb testing.TB, name, pw string) {
	tb.Helper()
	if err := s.addUser(name, pw); err != nil {
		tb.Fatal(err)
	}
}

// addUser is AddUser returning its error.
func (s *Server) addUser(name, pw string) error {
	if err := checkPasswdField("name", name, "/"); err != nil {
		return err
	}
	if err := checkPasswdField("password", pw, ""); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; ok {
		return fmt.Errorf("testenv: add user %q: already exists", name)
	}
	home := filepath.Join(s.dir, "home", name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("testenv: add user %q: %w", name, err)
	}
	if err := os.Chown(home, s.id.mailUID, s.id.mailGID); err != nil {
		return fmt.Errorf("testenv: add user %q: %w", name, err)
	}
	line := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", name, pw, s.id.mailUID, s.id.mailGID, home)
	if err := s.writePasswd(name, line); err != nil {
		return fmt.Errorf("testenv: add user %q: %w", name, err)
	}
	s.users[name] = home
	return nil
}

// checkPasswdField rejects a value that would corrupt a passwd-file line.
func checkPasswdField(what, v, alsoBad string) error {
	if v == "" || strings.ContainsAny(v, ":\x00\r\n\t "+alsoBad) {
		return fmt.Errorf("testenv: user %s %q is empty or holds a character not allowed in a passwd-file", what, v)
	}
	return nil
}

// writePasswd creates the user's own passwd-file (see the config's
// comment on why one file per user), readable by Dovecot's auth process.
func (s *Server) writePasswd(name, line string) error {
	path := filepath.Join(s.dir, "users", name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Chown(s.id.internalUID, -1); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// home returns the home directory of a user added to s.
func (s *Server) home(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.users[name]
	if !ok {
		return "", fmt.Errorf("testenv: unknown user %q (add it with NewUser or AddUser)", name)
	}
	return h, nil
}

// MailDir returns the directory holding user's Maildir on the server side
// (INBOX at its root, other mailboxes in nested directories, names in
// modified UTF-7 as Dovecot stores them). It is "" for an unknown user.
// Files there belong to Dovecot: read them, do not write.
func (s *Server) MailDir(user string) string {
	h, err := s.home(user)
	if err != nil {
		return ""
	}
	return filepath.Join(h, "Maildir")
}
