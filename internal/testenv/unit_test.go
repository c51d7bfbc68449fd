package testenv

import (
	"errors"
	"strings"
	"testing"
)

// TestRenderConfig checks the root and non-root variants of the config.
func TestRenderConfig(t *testing.T) {
	d := configData{Dir: "/tmp/idvX", BaseDir: "/tmp/idvX/run", IMAPPort: 1143, IMAPSPort: 1993, Instance: "i",
		Extra: "# extra line"}
	d.ID = identity{root: true, internalUser: "dovecot", loginUser: "dovenull"}
	root, err := renderConfig(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"port = 1143", "port = 1993", "default_login_user = dovenull",
		"separator = /", "imap_zlib", "mailbox_list_index = yes", "listen = 127.0.0.1", "# extra line",
		"/tmp/idvX/users/%u"} {
		if !strings.Contains(string(root), want) {
			t.Errorf("root config lacks %q", want)
		}
	}
	if strings.Contains(string(root), "chroot =") {
		t.Error("root config disables chroot")
	}
	if strings.Contains(string(root), "default_internal_group") {
		t.Error("root config overrides default_internal_group")
	}
	d.ID = identity{internalUser: "me", loginUser: "me", group: "mine"}
	user, err := renderConfig(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(user), "chroot =\n") || !strings.Contains(string(user), "default_internal_user = me") ||
		!strings.Contains(string(user), "default_internal_group = mine") {
		t.Errorf("non-root config lacks chroot override or user:\n%s", user)
	}
}

// TestParseAppendUID reads APPENDUID codes (RFC 4315 §3) and refuses
// anything else.
func TestParseAppendUID(t *testing.T) {
	i, uid, err := parseAppendUID("s12 OK [APPENDUID 1796015318 40] Append completed (0.001 + 0.000 secs).")
	if err != nil || i != 12 || uid != 40 {
		t.Errorf("parseAppendUID = %d, %d, %v; want 12, 40", i, uid, err)
	}
	for _, bad := range []string{
		"s1 NO [TRYCREATE] Mailbox doesn't exist: Nope",
		"s1 OK Append completed.",
		"s1 OK [APPENDUID 1 x] y",
		"s1 OK [APPENDUID 1 0] y",
		"sx OK [APPENDUID 1 2] y",
	} {
		if _, _, err := parseAppendUID(bad); err == nil {
			t.Errorf("parseAppendUID(%q) accepted", bad)
		}
	}
}

// TestUserFieldsChecked refuses names and passwords that would corrupt
// the passwd-file or escape the users directory.
func TestUserFieldsChecked(t *testing.T) {
	srv := Dovecot(t)
	for _, bad := range [][2]string{{"", "pw"}, {"a:b", "pw"}, {"../x", "pw"}, {"x", "p w"}, {"x", "a\nb"}, {"x", ""}} {
		if err := srv.addUser(bad[0], bad[1]); err == nil {
			t.Errorf("addUser(%q, %q) accepted", bad[0], bad[1])
		}
	}
	u := srv.NewUser(t)
	if err := srv.addUser(u.Name, "other"); err == nil {
		t.Errorf("addUser accepted the existing name %q", u.Name)
	}
	if srv.MailDir("nobody-here") != "" {
		t.Error("MailDir of an unknown user is not empty")
	}
}

// TestNotInstalledMessage: a missing binary yields ErrNotInstalled, whose
// text says how to install Dovecot.
func TestNotInstalledMessage(t *testing.T) {
	_, err := lookBin("imapdir-no-such-binary", "/nonexistent/imapdir-no-such-binary")
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("lookBin error %v is not ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "apt-get install dovecot-imapd") {
		t.Errorf("error %q lacks the install hint", err)
	}
}
