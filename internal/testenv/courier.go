package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Paths inside the unpacked courier-imap, courier-base and courier-authlib.
const (
	courierTCPD    = "usr/sbin/couriertcpd"
	courierLogin   = "usr/lib/courier/courier/imaplogin"
	courierIMAPD   = "usr/bin/imapd"
	courierTLS     = "usr/bin/couriertls"
	courierAuthDir = "/run/courier/authdaemon" // compiled into libcourierauth
)

// ErrCourierNeedsRoot is returned by StartCourier when not run as root.
var ErrCourierNeedsRoot = errors.New("testenv: courier: needs root (a private mount namespace puts the authdaemon socket at " + courierAuthDir + ")")

// courierEnv is the environment of couriertcpd and so of imaplogin and
// imapd, which read their settings from it: Debian's /etc/courier/imapd
// and imapd-ssl defaults, minus what needs system files (access file,
// shared index, sendmail, the TLS session cache) and with the private
// certificate.
func (s *OtherServer) courierEnv() []string {
	const caps = "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"
	return treeEnv(s.tree,
		"IMAP_CAPABILITY="+caps,
		"IMAP_CAPABILITY_TLS="+caps+" AUTH=PLAIN",
		"IMAP_KEYWORDS=1",
		"IMAP_ACL=1",
		"IMAP_PROXY=0",
		"IMAP_IDLE_TIMEOUT=1", // without FAM, IDLE polls: every second, as the test Dovecot
		"IMAP_MAILBOX_SANITY_CHECK=1",
		"IMAP_DISABLETHREADSORT=0",
		"IMAP_CHECK_ALL_FOLDERS=0",
		"IMAP_OBSOLETE_CLIENT=0",
		"IMAP_UMASK=022",
		"IMAP_USELOCKS=1",
		"IMAP_ENHANCEDIDLE=0",
		"IMAP_TRASHFOLDERNAME=Trash",
		"IMAP_EMPTYTRASH=",
		"IMAP_MOVE_EXPUNGE_TO_TRASH=0",
		"IMAP_STARTTLS=YES",
		"IMAP_TLS_REQUIRED=0",
		"MAILDIRPATH=Maildir",
		"COURIERTLS="+filepath.Join(s.tree, courierTLS),
		"TLS_CERTFILE="+filepath.Join(s.dir, "ssl", "courier.pem"),
		"TLS_VERIFYPEER=NONE",
	)
}

// StartCourier starts a new private Courier-IMAP from the unpacked tree
// (see internal/testenv/servers/install.sh) and returns once it greets.
// The caller must call Stop.
//
// couriertcpd listens on the two ports and runs imaplogin per connection
// (through couriertls on the implicit-TLS port); imaplogin asks the
// harness's authdaemon, then runs imapd as the mail user. libcourierauth
// looks for the authdaemon socket at a compiled-in path under /run, so
// the servers run in a private mount namespace with a tmpfs on /run that
// holds a link to the harness's socket: the system's /run is untouched.
// That needs root (CI runs as root).
func StartCourier(ctx context.Context) (*OtherServer, error) {
	if os.Geteuid() != 0 {
		return nil, ErrCourierNeedsRoot
	}
	tree, version, err := serverTree(KindCourier, courierTCPD, courierLogin, courierIMAPD, courierTLS)
	if err != nil {
		return nil, err
	}
	s, err := newOther(KindCourier, tree, version)
	if err != nil {
		return nil, err
	}
	s.logName = "courier.out"
	if err := s.prepareCourier(); err != nil {
		s.cleanup()
		return nil, err
	}
	if err := s.launch(ctx, s.startCourier); err != nil {
		s.cleanup()
		return nil, err
	}
	s.newUser = s.createCourierUser
	return s, nil
}

// prepareCourier writes the certificate file couriertls wants (key and
// certificate in one PEM) and the directories for the socket and homes.
func (s *OtherServer) prepareCourier() error {
	pem := append(append([]byte(nil), s.certs.keyPEM...), s.certs.certPEM...)
	if err := os.WriteFile(filepath.Join(s.dir, "ssl", "courier.pem"), pem, 0o600); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	if err := os.Mkdir(filepath.Join(s.dir, "authdaemon"), 0o755); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	if err := os.Symlink(filepath.Join(s.dir, "authd"), filepath.Join(s.dir, "authdaemon", "socket")); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	if err := os.Mkdir(filepath.Join(s.dir, "home"), 0o711); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	return nil
}

// startCourier starts one couriertcpd per port, each in a private mount
// namespace. Not one shell with a job in the background: couriertcpd
// makes itself a process group leader, so a second one would leave the
// group that Stop signals.
func (s *OtherServer) startCourier(imapPort, imapsPort int) ([]*master, error) {
	var ms []*master
	for _, port := range []int{imapPort, imapsPort} {
		m, err := s.spawnTCPD(port, port == imapsPort)
		if err != nil {
			stopAll(ms)
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// spawnTCPD starts couriertcpd on port (through couriertls when tls).
func (s *OtherServer) spawnTCPD(port int, tls bool) (*master, error) {
	args := []string{filepath.Join(s.tree, courierTCPD), "-address=127.0.0.1",
		"-maxprocs=40", "-maxperip=40", "-nodnslookup", "-noidentlookup", strconv.Itoa(port)}
	if tls {
		args = append(args, filepath.Join(s.tree, courierTLS), "-server", "-tcpd")
	}
	args = append(args, filepath.Join(s.tree, courierLogin), filepath.Join(s.tree, courierIMAPD), "Maildir")
	script := "set -e; mount -t tmpfs -o mode=755 tmpfs /run; mkdir -p /run/courier; " +
		"ln -s " + filepath.Join(s.dir, "authdaemon") + " " + courierAuthDir + "; exec " + strings.Join(args, " ")
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script)
	cmd.Env = s.courierEnv()
	return spawnGroup(cmd, filepath.Join(s.dir, s.logName))
}

// createCourierUser creates the user's Maildir (INBOX), owned by the
// mail user.
func (s *OtherServer) createCourierUser(name string) error {
	home := filepath.Join(s.dir, "home", name)
	for _, d := range []string{home, home + "/Maildir", home + "/Maildir/cur", home + "/Maildir/new", home + "/Maildir/tmp"} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
		if err := os.Chown(d, s.id.mailUID, s.id.mailGID); err != nil {
			return err
		}
	}
	return nil
}

// ForceUIDValidityChange gives mailbox of user a new UIDVALIDITY (one
// above the old), keeping its messages and their UIDs, and returns it.
// Courier keeps UIDVALIDITY in the first line of the folder's
// courierimapuiddb ("1 UIDVALIDITY NEXTUID"), read by every new session.
// Only Courier supports it; on Cyrus the test fails.
func (s *OtherServer) ForceUIDValidityChange(tb testing.TB, user, mailbox string) uint32 {
	tb.Helper()
	if s.kind != KindCourier {
		tb.Fatalf("testenv: %s: ForceUIDValidityChange is only supported on Courier", s.kind)
	}
	dir := filepath.Join(s.dir, "home", user, "Maildir")
	if !strings.EqualFold(mailbox, "INBOX") {
		dir = filepath.Join(dir, "."+strings.TrimPrefix(serverName(mailbox), "INBOX."))
	}
	s.UIDs(tb, user, mailbox) // a session that opened the folder wrote its uiddb
	path := filepath.Join(dir, "courierimapuiddb")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("testenv: courier: %v", err)
	}
	first, rest, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(first)
	if len(f) != 3 || f[0] != "1" {
		tb.Fatalf("testenv: courier: %s: unexpected first line %q", path, first)
	}
	v, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		tb.Fatalf("testenv: courier: %s: %v", path, err)
	}
	v++
	out := fmt.Sprintf("1 %d %s\n%s", v, f[2], rest)
	tmp := path + ".imapdir-test"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		tb.Fatalf("testenv: courier: %v", err)
	}
	if err := os.Chown(tmp, s.id.mailUID, s.id.mailGID); err != nil {
		tb.Fatalf("testenv: courier: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatalf("testenv: courier: %v", err)
	}
	return uint32(v)
}
