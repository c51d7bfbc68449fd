package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is the unprivileged user the read-only test runs status as when
// the tests run as root (root may write anywhere, so a read-only Maildir
// can only be shown to another user).
const nobody = 65534

// TestStatusOnReadOnlyMaildir: `imapdir status` reads a Maildir its user
// cannot write (no lock, no WAL files can be made): it shows the state
// instead of "unable to open database file", and changes nothing.
func TestStatusOnReadOnlyMaildir(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("one"))
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("two"))
	a.run("sync").must(t, 0)

	cmd := exec.Command(binary, "--config", a.config, "status", "work")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	if os.Geteuid() == 0 {
		// Everything the run reads must be reachable by nobody, and
		// nothing of the Maildir writable by it (root owns it all).
		for _, p := range []string{filepath.Dir(binary), a.dir, filepath.Dir(a.dir), filepath.Dir(filepath.Dir(a.dir))} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(a.config, 0o644); err != nil {
			t.Fatal(err)
		}
		chmodTree(t, a.maildir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME=/nonexistent", "HOME=/nonexistent")
	} else {
		if err := os.Chmod(a.maildir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(a.maildir, 0o755) })
	}
	before := treeState(t, a.maildir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("status on a read-only Maildir: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "INBOX") || strings.Contains(string(out), "unable to open") {
		t.Errorf("status printed:\n%s", out)
	}
	if after := treeState(t, a.maildir); after != before {
		t.Errorf("status changed the Maildir:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// chmodTree makes root's tree readable (not writable) by others.
func chmodTree(t *testing.T, root string) {
	t.Helper()
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return os.Chmod(p, 0o755)
		}
		return os.Chmod(p, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
