package testenv

import (
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAuthDaemon: the authdaemon answers a right password with the
// user's ids, a wrong one or an unknown user with FAIL, and skips the
// client's NAME=value lines first.
func TestAuthDaemon(t *testing.T) {
	d, err := startAuthDaemon(filepath.Join(t.TempDir(), "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if err := d.add("ann", authUser{password: "pw", uid: 7, gid: 8, home: "/h/ann"}); err != nil {
		t.Fatal(err)
	}
	if err := d.add("ann", authUser{password: "x"}); err == nil {
		t.Error("adding ann twice: no error")
	}
	ask := func(req string) string {
		t.Helper()
		c, err := net.Dial("unix", d.path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	auth := func(user, pw string) string {
		body := "imap\nlogin\n" + user + "\n" + pw + "\n"
		return "TCPREMOTEIP=127.0.0.1\nAUTH " + strconv.Itoa(len(body)) + "\n" + body
	}
	if got := ask(auth("ann", "pw")); !strings.Contains(got, "UID=7\nGID=8\n") || !strings.HasSuffix(got, "\n.\n") ||
		!strings.Contains(got, "MAILDIR=/h/ann/Maildir\n") || strings.Contains(got, "USERNAME=") {
		t.Errorf("right password: %q", got)
	}
	for _, req := range []string{auth("ann", "wrong"), auth("bob", "pw"), "AUTH 99999999\n", "HELLO\n"} {
		if got := ask(req); got != "FAIL\n" {
			t.Errorf("%.40q: %q, want FAIL", req, got)
		}
	}
	if got := ask("PRE . imap ann\n"); !strings.Contains(got, "UID=7\n") {
		t.Errorf("PRE: %q", got)
	}
}
