package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestListShowsMailboxesAndCounts(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.CreateMailbox(t, a.user.Name, "Archive/2024")
	a.srv.CreateMailbox(t, a.user.Name, "Sent")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("one"))
	a.srv.SaveMessage(t, a.user.Name, "Archive/2024", message("two"))
	a.srv.SaveMessage(t, a.user.Name, "Archive/2024", message("three"))
	r := a.run("list", "work").must(t, 0)
	for _, want := range []string{"INBOX", "Archive/2024", `\Sent`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	r = a.run("--json", "list", "work").must(t, 0)
	counts := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("--json list line %q: %v", sc.Text(), err)
		}
		counts[row["mailbox"].(string)] = row["messages"].(float64)
	}
	if counts["INBOX"] != 1 || counts["Archive/2024"] != 2 {
		t.Errorf("--json list counts %v, want INBOX 1, Archive/2024 2", counts)
	}
}

func TestRawOneShotCapability(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	r := a.run("raw", "work", "-c", "CAPABILITY").must(t, 0)
	if !strings.Contains(r.stdout, "* CAPABILITY IMAP4rev1") || !strings.Contains(r.stdout, " OK ") {
		t.Errorf("raw -c CAPABILITY printed:\n%s", r.stdout)
	}
	r = a.run("raw", "work", "-c", "SELECT INBOX", "-c", "FETCH 1:5 (UID FLAGS)", "-c", "SELECT NoSuchBox").must(t, 1)
	if !strings.Contains(r.stdout, "EXISTS") || !strings.Contains(r.stdout, " NO ") {
		t.Errorf("raw -c SELECT … printed:\n%s", r.stdout)
	}
}

func TestWrongPasswordExitsOneWithOneLine(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"list", "work"}, {"raw", "work", "-c", "NOOP"}, {"sync"}, {"-q", "sync"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel() // Dovecot delays each refusal by seconds
			a := newAccount(t, "")
			a.writeConfig(strings.Replace(readFile(t, a.config), a.user.Password, "not-the-password", 1))
			r := a.run(args...).must(t, 1)
			r.noStackTrace(t)
			line := strings.TrimSpace(r.stderr)
			if strings.Count(line, "\n") != 0 || !strings.Contains(strings.ToLower(line), "auth") {
				t.Errorf("%s: want one line giving the reason, got %q", r.description, r.stderr)
			}
		})
	}
}

func TestBadConfigExitsTwoNamingTheLine(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "layout = \"mh\"\n")
	r := a.run("list", "work").must(t, 2)
	r.noStackTrace(t)
	if !strings.Contains(r.stderr, "config.toml:9: accounts.work.layout") {
		t.Errorf("stderr does not name the line:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, a.user.Password) {
		t.Errorf("stderr shows the password:\n%s", r.stderr)
	}
}

func TestPasswordNeverInOutput(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.SaveMessage(t, a.user.Name, "INBOX", message("secret test"))
	runs := []result{
		a.run("-vvv", "raw", "work", "-c", "CAPABILITY", "-c", "LOGIN "+a.user.Name+" "+a.user.Password),
		a.run("-vvv", "list", "work"),
		a.run("-vv", "list", "work"),
		a.run("-vvv", "sync").must(t, 0),
		a.run("-vvv", "--json", "sync").must(t, 0),
	}
	for _, r := range runs {
		t.Logf("%s: exit %d\n%s%s", r.description, r.code, r.stdout, r.stderr)
	}
	// With password_command only the client's trace redaction stands
	// between the password and the output (the CLI knows no password).
	pwFile := a.dir + "/pw"
	if err := os.WriteFile(pwFile, []byte(a.user.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a.writeConfig(strings.Replace(readFile(t, a.config), fmt.Sprintf("password = %q", a.user.Password),
		fmt.Sprintf("password_command = %q", "cat "+pwFile), 1))
	runs = append(runs, a.run("-vvv", "raw", "work", "-c", "CAPABILITY").must(t, 0), a.run("-vvv", "list", "work").must(t, 0))
	sawTrace := false
	for _, r := range runs {
		out := r.stdout + r.stderr
		if strings.Contains(out, a.user.Password) {
			t.Errorf("%s: the password appears in the output:\n%s", r.description, out)
		}
		sawTrace = sawTrace || strings.Contains(out, "C: ") && strings.Contains(out, "LOGIN") || strings.Contains(out, "AUTHENTICATE")
	}
	if !sawTrace {
		t.Errorf("-vvv showed no protocol trace with the login:\n%s", runs[0].stderr)
	}
}

func TestTLSModes(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	text := readFile(t, a.config)

	// Without the test CA the certificate is refused, in one line.
	a.writeConfig(removeLine(text, "ca_file"))
	r := a.run("list", "work").must(t, 1)
	r.noStackTrace(t)
	if !strings.Contains(r.stderr, "is not trusted") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("untrusted certificate: stderr %q", r.stderr)
	}

	// STARTTLS on the plain port.
	a.writeConfig(strings.Replace(strings.Replace(text, `tls = "implicit"`, `tls = "starttls"`, 1),
		fmt.Sprintf("port = %d", a.srv.IMAPSPort()), fmt.Sprintf("port = %d", a.srv.IMAPPort()), 1))
	r = a.run("-vvv", "raw", "work", "-c", "NOOP").must(t, 0)
	if !strings.Contains(r.stderr, " STARTTLS\n") || !strings.Contains(r.stderr, "Begin TLS") {
		t.Errorf("starttls: no STARTTLS in the trace:\n%s", r.stderr)
	}
}

// removeLine drops the line of text that starts with key.
func removeLine(text, key string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, key) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestListWithoutAccountListsEveryAccount(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.CreateMailbox(t, a.user.Name, "Sent")
	second := a.srv.NewUser(t)
	base := readFile(t, a.config)
	other := strings.NewReplacer("[accounts.work]", "[accounts.home]", a.user.Name, second.Name, a.user.Password, second.Password, "/Maildir", "/Maildir-home").Replace(base)
	a.writeConfig(base + "\n" + other)
	r := a.run("list").must(t, 0)
	for _, want := range []string{"work (127.0.0.1:", "home (127.0.0.1:", "Sent"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	r = a.run("--json", "list").must(t, 0)
	if !strings.Contains(r.stdout, `"account":"work"`) || !strings.Contains(r.stdout, `"account":"home"`) {
		t.Errorf("--json list rows do not name both accounts:\n%s", r.stdout)
	}
	// One account that cannot be reached fails alone: exit 3, the other listed.
	closed := regexp.MustCompile(`(?m)^port = \d+$`).ReplaceAllString(other, "port = 1")
	a.writeConfig(base + "\n" + closed)
	r = a.run("list").must(t, 3)
	if !strings.Contains(r.stdout, "work (127.0.0.1:") || !strings.Contains(r.stderr, "home") {
		t.Errorf("partial list: stdout %q stderr %q", r.stdout, r.stderr)
	}
}
