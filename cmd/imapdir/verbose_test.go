package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestVerbosityAndActionLogAgainstDovecot: against a real server, the
// dry run of a fresh account lists each message it would pull (-v), -vv
// names each message the real run pulled and flagged (UID, Message-ID,
// subject), -vvv adds the protocol trace without the password, and
// "imapdir log" answers what happened to a message afterwards.
func TestVerbosityAndActionLogAgainstDovecot(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	a.srv.CreateMailbox(t, a.user.Name, "Archive")
	uids := a.srv.SaveMessages(t, a.user.Name, "INBOX", message("one"), message("two"))
	a.srv.SaveMessage(t, a.user.Name, "Archive", message("three"))

	dry := a.run("-v", "--dry-run", "sync").must(t, 0)
	for _, want := range []string{`would create near mailbox "Archive"`, "work/INBOX: would pull UID 1 ",
		"work/INBOX: would pull UID 2 ", "work/Archive: would pull UID 1 ", "would make 3 changes"} {
		if !strings.Contains(dry.stdout, want) {
			t.Errorf("dry run -v lacks %q:\n%s", want, dry.stdout)
		}
	}

	r := a.run("-vv", "sync").must(t, 0)
	pulled := regexp.MustCompile(`(?m)^work/INBOX: pulled UID (\d+) as \d+ <[^>]+> "(one|two)"$`)
	if n := len(pulled.FindAllString(r.stdout, -1)); n != 2 {
		t.Errorf("-vv: %d lines naming a pulled INBOX message, want 2:\n%s", n, r.stdout)
	}
	if strings.Contains(r.stderr, "C: ") {
		t.Errorf("-vv shows the protocol trace:\n%s", r.stderr)
	}

	a.srv.AddFlags(t, a.user.Name, "INBOX", uids[1], `\Flagged`)
	r = a.run("-vvv", "sync").must(t, 0)
	if !strings.Contains(r.stdout, fmt.Sprintf(`work/INBOX: flagged near UID %d +\Flagged`, uids[1])) {
		t.Errorf("-vvv lacks the flag change:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "C: ") || strings.Contains(r.stdout+r.stderr, a.user.Password) {
		t.Errorf("-vvv: want a protocol trace without the password:\n%s", r.stderr)
	}

	log := a.run("log", "work").must(t, 0).stdout
	lines := strings.Split(strings.TrimSpace(log), "\n")
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ `)
	if len(lines) != 4 {
		t.Fatalf("log: %d lines, want 3 pulled and 1 flagged:\n%s", len(lines), log)
	}
	for _, l := range lines {
		if !stamp.MatchString(l) {
			t.Errorf("log line without its time: %q", l)
		}
	}
	if !strings.Contains(lines[3], "INBOX: flagged near UID") || !strings.Contains(log, `Archive: pulled UID 1 as 1`) {
		t.Errorf("log:\n%s", log)
	}
	if r := a.run("log", "work", "--since", "2h"); r.stdout != log {
		t.Errorf("log --since 2h differs from the whole log:\n%s", r.stdout)
	}
}
