package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/imapdir/imapdir/internal/golden"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
)

func TestHelpGolden(t *testing.T) {
	w := newWorld(t)
	var all strings.Builder
	for _, args := range [][]string{{"--help"}, {"sync", "--help"}, {"list", "--help"}, {"status", "--help"},
		{"raw", "--help"}, {"auth", "--help"}, {"demo", "--help"}, {"version", "--help"}, {"watch", "--help"},
		{"import", "mbsync", "--help"}} {
		code, out, errOut := w.run(args...)
		if code != ExitOK || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
		all.WriteString("$ imapdir " + strings.Join(args, " ") + "\n" + out)
	}
	golden.Check(t, "help.golden", all.String())
	if !strings.Contains(all.String(), "3  partly done") {
		t.Error("--help does not document exit code 3")
	}
}

func TestBadConfigExitsTwoNamingTheLine(t *testing.T) {
	w := newWorld(t)
	w.writeConfig("[accounts.work]\nhost = \"imap.example.com\"\ntls = \"startls\"\nuser = \"me\"\npassword = \"hunter2-secret\"\nmaildir = \"/tmp/x\"\n")
	code, out, errOut := w.run("sync")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, out, errOut)
	}
	if !strings.Contains(errOut, "config.toml:3: accounts.work.tls") {
		t.Errorf("stderr does not name file, line and key:\n%s", errOut)
	}
	if strings.Contains(out+errOut, "hunter2-secret") {
		t.Errorf("the password appears in the output:\n%s%s", out, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{{"sync", "nosuch"}, {"frobnicate"}, {"sync", "--no-such-flag"},
		{"list", "nosuch"}, {"-n", "raw", "work", "-c", "NOOP"}, {"-q", "-v", "status"}, {"sync", "work:"}} {
		code, _, errOut := w.run(args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errOut)
		}
		if n := strings.Count(strings.TrimSpace(errOut), "\n"); n != 0 || !strings.HasPrefix(errOut, "imapdir: ") {
			t.Errorf("%v: want one line starting with imapdir:, got %q", args, errOut)
		}
	}
}

func TestUnknownCommandSuggestsOnOneLine(t *testing.T) {
	w := newWorld(t)
	for args, want := range map[string]string{
		"lisr":  `imapdir: unknown command "lisr" for "imapdir"; did you mean "list"?` + "\n",
		"zzzzz": `imapdir: unknown command "zzzzz" for "imapdir" (imapdir --help lists the commands)` + "\n",
	} {
		code, _, errOut := w.run(args)
		if code != ExitUsage || errOut != want {
			t.Errorf("imapdir %s: exit %d, stderr %q; want exit %d, %q", args, code, errOut, ExitUsage, want)
		}
	}
}

func TestMissingConfigSaysWhatToDo(t *testing.T) {
	w := newWorld(t)
	w.configPath = w.dir + "/nowhere.toml"
	code, _, errOut := w.run("sync")
	if code != ExitUsage || !strings.Contains(errOut, "no configuration file at "+w.dir+"/nowhere.toml") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestStatus(t *testing.T) {
	w := newWorld(t)
	code, out, _ := w.run("status")
	if code != ExitOK || !strings.Contains(out, "never synced") {
		t.Fatalf("before any sync: exit %d\n%s", code, out)
	}
	w.seed("INBOX", 3)
	if code, out, errOut := w.run("sync"); code != ExitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := w.run("status", "work")
	if code != ExitOK {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"lock:      free", "pending:   0 intents", "INBOX", "last sync: 2026-"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = w.run("--json", "status")
	var s accountStatus
	if err := json.Unmarshal([]byte(out), &s); code != ExitOK || err != nil {
		t.Fatalf("--json status: exit %d, %v\n%s", code, err, out)
	}
	if !s.Synced || s.LockPID != 0 || len(s.Mailboxes) == 0 || s.Mailboxes[0].Messages != 3 || s.LastSync == nil {
		t.Errorf("--json status: %+v", s)
	}
}

func TestStatusReportsLockHolder(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 1)
	if code, out, errOut := w.run("sync"); code != ExitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	acct := &config.Account{Name: "work", Maildir: w.dir + "/Maildir"}
	near, err := openNear(context.Background(), acct, false)
	if err != nil {
		t.Fatal(err)
	}
	defer near.close()
	_, out, _ := w.run("status")
	if !strings.Contains(out, "held by") {
		t.Errorf("status does not show the lock holder:\n%s", out)
	}
	code, _, errOut := w.run("sync")
	if code != ExitFailure || !strings.Contains(errOut, "lock") {
		t.Errorf("sync while locked: exit %d, stderr %q", code, errOut)
	}
}

// fakeSession answers CAPABILITY and refuses everything else.
type fakeSession struct{ sent []string }

func (f *fakeSession) Command(_ context.Context, args ...imap.Value) ([]*imap.Response, *imap.Response, error) {
	var parts []string
	for _, a := range args {
		parts = append(parts, a.String())
	}
	f.sent = append(f.sent, strings.Join(parts, " "))
	if strings.EqualFold(parts[0], "CAPABILITY") {
		caps := &imap.Response{Tag: "*", Fields: []imap.Value{imap.Atom("CAPABILITY"), imap.Atom("IMAP4rev1"), imap.Atom("IDLE")}}
		return []*imap.Response{caps}, &imap.Response{Tag: "a1", Status: "OK", Text: "done"}, nil
	}
	no := &imap.Response{Tag: "a2", Status: "NO", Text: "no way"}
	return nil, no, no.Err()
}

func (f *fakeSession) Caps() imap.CapSet { return imap.NewCapSet(imap.CapIMAP4rev1) }
func (f *fakeSession) Close() error      { return nil }

func (f *fakeSession) Idle(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

func TestRawOneShot(t *testing.T) {
	w := newWorld(t)
	fake := &fakeSession{}
	w.connect = func(context.Context, *config.Account, Logs, func(*imap.Response)) (Session, error) { return fake, nil }
	code, out, errOut := w.run("raw", "work", "-c", "CAPABILITY")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if out != "* CAPABILITY IMAP4rev1 IDLE\na1 OK done\n" {
		t.Errorf("output %q", out)
	}
	code, out, _ = w.run("raw", "work", "-c", "UID FETCH 1:* FLAGS", "-c", "CAPABILITY")
	if code != ExitFailure || !strings.Contains(out, "a2 NO no way") {
		t.Errorf("refused command: exit %d, output %q", code, out)
	}
	if got := fake.sent[1]; got != "UID FETCH 1:* FLAGS" { // the values, joined by spaces
		t.Errorf("sent %q", got)
	}
}

func TestRawREPLReadsLines(t *testing.T) {
	w := newWorld(t)
	fake := &fakeSession{}
	w.connect = func(context.Context, *config.Account, Logs, func(*imap.Response)) (Session, error) { return fake, nil }
	var out bytes.Buffer
	app := &App{Stdin: strings.NewReader("CAPABILITY\n\n  noop  \nIDLE\nquit\nCAPABILITY\n"), Stdout: &out, Stderr: &out,
		Env: config.Env{Lookup: func(string) (string, bool) { return "", false }, Home: w.dir},
		Now: func() time.Time { return fixedNow }, Backends: Backends{Connect: w.connect}}
	if code := app.Run(context.Background(), []string{"--config", w.configPath, "raw", "work"}); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if len(fake.sent) != 2 || fake.sent[1] != "noop" {
		t.Errorf("sent %q, want CAPABILITY and noop, nothing after quit", fake.sent)
	}
}

func TestParseCommandLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FETCH 1:5 (UID FLAGS ENVELOPE)", "FETCH|1:5|(UID FLAGS ENVELOPE)"},
		{"uid  fetch  1:* FLAGS", "uid|fetch|1:*|FLAGS"},
		{"NOOP", "NOOP"},
		{`SELECT "Entw&APw-rfe"`, `SELECT|"Entw&APw-rfe"`},
		{`LOGIN me "pass word\" (x"`, `LOGIN|me|"pass word\" (x"`},
		{`FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To)])`, `FETCH|1|(BODY.PEEK[HEADER.FIELDS (From To)])`},
	} {
		args, err := parseCommandLine(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var parts []string
		for _, a := range args {
			parts = append(parts, a.String())
		}
		if got := strings.Join(parts, "|"); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"(FETCH)", "UID", "UID (x)", `LOGIN "me`, "FETCH 1 (FLAGS"} {
		if _, err := parseCommandLine(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestWriteResponseTree(t *testing.T) {
	env := imap.List{imap.Str("Mon, 7 Feb 1994 21:52:25 -0800"), imap.Str("afternoon meeting about the quarterly numbers"),
		imap.List{imap.List{imap.Str("Fred Foobar"), imap.NIL, imap.Str("foobar"), imap.Str("blurdybloop.example")}}}
	r := &imap.Response{Tag: "*", Fields: []imap.Value{imap.Num(12), imap.Atom("FETCH"), imap.List{
		imap.Atom("UID"), imap.Num(40), imap.Atom("FLAGS"), imap.List{imap.Flag(`\Seen`)},
		imap.Atom("ENVELOPE"), env, imap.Atom("BODY[]"), imap.Str("Subject: hi\r\n\r\nbody\r\n")}}}
	var b bytes.Buffer
	if err := writeResponse(&b, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "tree.golden", b.String())
}

func TestPrinterShowsEachResponseOnce(t *testing.T) {
	var b bytes.Buffer
	p := newPrinter(&b, false)
	exists := &imap.Response{Tag: "*", Fields: []imap.Value{imap.Num(3), imap.Atom("EXISTS")}}
	p.show(exists) // collected by the command
	p.nextCommand()
	p.show(exists) // delivered late to the push handler
	push := &imap.Response{Tag: "*", Fields: []imap.Value{imap.Num(4), imap.Atom("EXISTS")}}
	p.show(push) // a real push, between commands
	p.nextCommand()
	p.nextCommand()
	if got, want := b.String(), "* 3 EXISTS\n* 4 EXISTS\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	if len(p.printed)+len(p.earlier) != 0 {
		t.Errorf("printer keeps %d responses after two commands", len(p.printed)+len(p.earlier))
	}
}

func TestNeutralName(t *testing.T) {
	for _, c := range []struct {
		server, prefix string
		delim          rune
		want           string
		synced         bool
	}{
		{"INBOX", "", '/', "INBOX", true},
		{"inbox", "INBOX.", '.', "INBOX", true},
		{"Archive/2024", "", '/', "Archive/2024", true},
		{"INBOX.Archive.2024", "INBOX.", '.', "Archive/2024", true},
		{"inbox.Sent", "INBOX.", '.', "Sent", true},
		{"Shared.team", "INBOX.", '.', "Shared.team", false},
		{"INBOX.a/b", "INBOX.", '.', "INBOX.a/b", false},
		{"[Gmail]/All Mail", "", '/', "[Gmail]/All Mail", true},
	} {
		got, synced := neutralName(&imap.ListData{Name: c.server, Delim: c.delim}, c.prefix)
		if got != c.want || synced != c.synced {
			t.Errorf("neutralName(%q, prefix %q) = %q, %v; want %q, %v", c.server, c.prefix, got, synced, c.want, c.synced)
		}
	}
}

// A command's help offers only the flags it uses; one it does not use is
// refused, before or after the command's name; flags still stand before
// the name of a command that takes them.
func TestFlagsOfferedOnlyWhereUsed(t *testing.T) {
	w := newWorld(t)
	w.connect = func(context.Context, *config.Account, Logs, func(*imap.Response)) (Session, error) {
		return &fakeSession{}, nil
	}
	offered := map[string][]string{
		"sync":   {"--dry-run", "--force", "--json", "--memory-limit"},
		"watch":  {"--force", "--json", "--memory-limit"},
		"list":   {"--json"},
		"status": {"--json"},
		"raw":    {"--json"},
		"auth":   {},
	}
	all := []string{"--dry-run", "--force", "--json", "--memory-limit"}
	for cmd, want := range offered {
		_, help, _ := w.run(cmd, "--help")
		for _, f := range all {
			if has, should := strings.Contains(help, f), slices.Contains(want, f); has != should {
				t.Errorf("%s --help offers %s: %v, want %v", cmd, f, has, should)
			}
		}
		for _, g := range []string{"--config", "--verbose", "--quiet"} {
			if !strings.Contains(help, g) {
				t.Errorf("%s --help does not offer %s", cmd, g)
			}
		}
	}
	for _, args := range [][]string{{"-n", "raw", "work", "-c", "NOOP"}, {"raw", "work", "--force", "-c", "NOOP"}, {"status", "--memory-limit", "9"}} {
		code, _, errOut := w.run(args...)
		if code != ExitUsage || !strings.Contains(errOut, "does not take --") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, out, errOut := w.run("--json", "raw", "work", "-c", "CAPABILITY"); code != ExitOK || !strings.HasPrefix(out, `{"tag":"*"`) {
		t.Errorf("--json before raw: exit %d, %q %q", code, out, errOut)
	}
}
