package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/hostile"
	"github.com/imapdir/imapdir/internal/testenv"
)

// The hostile-server cases: a real sync (the binary: syncer + imapstore +
// maildirstore) through internal/hostile's proxy in front of Dovecot,
// which misbehaves in one way, mostly on the mailbox "Bad" alone. Each
// case states the outcome docs/RELIABILITY.md lists: the exit code, what
// the output must say, and whether "Bad" was synchronized. In every case
// INBOX and "Good" are synchronized (unless the whole account cannot be),
// nothing panics, the process's peak RSS stays bounded, and a second run
// through a well-behaved proxy converges with nothing lost or duplicated.

// hostileTimeout is the config's timeout (seconds) in these runs: the
// stall cases wait it out; a real login under a loaded CI machine must
// fit in it.
const hostileTimeout = 5

// hostileMaxRSS bounds the peak resident memory of a run (kB, as
// getrusage reports it): the cases announce literals of up to 100 GB.
const hostileMaxRSS = 100 << 10

// hostileRun is one account behind a proxy.
type hostileRun struct {
	t       *testing.T
	srv     *testenv.Server
	user    testenv.User
	dir     string
	maildir string
	sizes   map[string]int // messages per mailbox on the server
}

// newHostileRun seeds INBOX (2 messages), Good (2) and Bad (3, of
// distinct sizes).
func newHostileRun(t *testing.T) *hostileRun {
	t.Helper()
	srv := testenv.Dovecot(t)
	h := &hostileRun{t: t, srv: srv, user: srv.NewUser(t), dir: t.TempDir()}
	h.maildir = filepath.Join(h.dir, "Maildir")
	h.sizes = map[string]int{"INBOX": 2, "Good": 2, "Bad": 3}
	for _, mb := range []string{"Good", "Bad"} {
		srv.CreateMailbox(t, h.user.Name, mb)
	}
	for mb, n := range h.sizes {
		for i := 1; i <= n; i++ {
			srv.SaveMessage(t, h.user.Name, mb, message(fmt.Sprintf("%s %d %s", mb, i, strings.Repeat("x", i*40))))
		}
	}
	return h
}

// config writes a config for an account reached through port and returns
// its path.
func (h *hostileRun) config(port int, extra string) string {
	path := filepath.Join(h.dir, fmt.Sprintf("config-%d.toml", port))
	text := fmt.Sprintf(`[accounts.work]
host = "127.0.0.1"
port = %d
tls = "plaintext-insecure"
user = %q
maildir = %q
timeout = %d
%s
`, port, h.user.Name, h.maildir, hostileTimeout, extra)
	if !strings.Contains(extra, "password") {
		text += fmt.Sprintf("password = %q\n", h.user.Password)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// timeBinary is GNU time (Debian package "time"): it forks the command
// from a small process, so its %M is the command's own peak RSS. The
// rusage of a child of the test process itself would include the test
// process's memory: Go starts children by vfork, sharing its memory until
// the exec.
const timeBinary = "/usr/bin/time"

// run runs imapdir against config and returns what it did and its peak
// RSS in kB.
func (h *hostileRun) run(config string, args ...string) (result, int64) {
	h.t.Helper()
	if _, err := os.Stat(timeBinary); err != nil {
		h.t.Fatalf("%s is needed to measure peak memory: apt-get install time (%v)", timeBinary, err)
	}
	rssFile := filepath.Join(h.t.TempDir(), "rss")
	all := append([]string{"-f", "%M", "-o", rssFile, binary, "--config", config}, args...)
	cmd := exec.Command(timeBinary, all...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+h.t.TempDir())
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), description: "imapdir " + strings.Join(args, " ")}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("running %s: %v", r.description, err)
	}
	rss, err := strconv.ParseInt(strings.TrimSpace(lastLine(readFile(h.t, rssFile))), 10, 64)
	if err != nil {
		h.t.Fatalf("reading the peak RSS %s wrote: %v", timeBinary, err)
	}
	return r, rss
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// count returns the messages of mailbox in the Maildir.
func (h *hostileRun) count(mailbox string) int {
	return countIn(maildirFiles(h.t, h.maildir), mailbox)
}

// hostileCase is one misbehaviour and its outcome.
type hostileCase struct {
	name   string
	tls    string // config tls, default plaintext-insecure
	extra  string // more config
	opts   func(h *hostileRun) hostile.Options
	code   int      // exit code of the run
	want   []string // regexps the output must match
	badOK  bool     // Bad synchronized in that run
	noMail bool     // the account fails as a whole: nothing synchronized
	echo   bool     // the password comes from password_command
}

// onBad returns proxy options with one rule on the mailbox Bad.
func onBad(command, contains, without string, act func(c *hostile.Client, cmd hostile.Command, held [][]byte) error) func(*hostileRun) hostile.Options {
	return func(h *hostileRun) hostile.Options {
		return hostile.Options{Upstream: h.srv.IMAPAddr(), Rules: []hostile.Rule{{Mailbox: "Bad", Command: command, Contains: contains, Without: without, Act: act}}}
	}
}

const (
	listing = "RFC822.SIZE" // the metadata FETCH holds it …
	bodies  = "BODY.PEEK[]" // … and so does the body FETCH, which holds this too
)

// rewrite forwards held with each old replaced by new.
func rewrite(pairs ...string) func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
	return func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
		for i := 0; i+1 < len(pairs); i += 2 {
			held = hostile.Replace(held, pairs[i], pairs[i+1])
		}
		return c.Forward(held)
	}
}

// insertBeforeTagged forwards held with lines added before the last
// (tagged) response.
func insertBeforeTagged(lines ...string) func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
	return func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
		if err := c.Forward(held[:len(held)-1]); err != nil {
			return err
		}
		if err := c.Send(lines...); err != nil {
			return err
		}
		return c.Write(held[len(held)-1])
	}
}

func stall(c *hostile.Client, _ hostile.Command, _ [][]byte) error { return c.Stall() }

func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "threadid-nil", badOK: true,
			opts: onBad("UID FETCH", listing, bodies, rewrite("FETCH (", "FETCH (THREADID (NIL) EMAILID NIL "))},
		{name: "huge-literal-in-metadata", code: 3, want: []string{`Bad`, `99999999999 bytes .*exceeds the limit`},
			opts: onBad("UID FETCH", listing, bodies, func(c *hostile.Client, cmd hostile.Command, _ [][]byte) error {
				c.Send("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (MESSAGE-ID)] {99999999999}")
				c.Write(bytes.Repeat([]byte("x"), 1<<20))
				return c.Stall()
			})},
		{name: "stall-mid-literal", code: 3, want: []string{`Bad`, `no data from the server for 5s`},
			opts: onBad("UID FETCH", bodies, "", func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
				c.Write(held[0][:len(held[0])/2])
				return c.Stall()
			})},
		{name: "fetch-never-answered", code: 3, want: []string{`Bad`, `no data from the server for 5s`},
			opts: onBad("UID FETCH", listing, bodies, stall)},
		{name: "unknown-tag", code: 3, want: []string{`Bad`, `no data from the server for 5s`},
			opts: onBad("UID FETCH", listing, bodies, func(c *hostile.Client, cmd hostile.Command, held [][]byte) error {
				held[len(held)-1] = bytes.Replace(held[len(held)-1], []byte(cmd.Tag), []byte("ZZ999"), 1)
				c.Forward(held)
				return c.Stall()
			})},
		{name: "body-beyond-listed-size", code: 3, want: []string{`Bad`, `announced a body of 500000000 bytes`},
			opts: onBad("UID FETCH", bodies, "", func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
				c.Send("* 1 FETCH (UID 1 BODY[] {500000000}")
				c.Write(bytes.Repeat([]byte("x"), 1<<20))
				return c.Stall()
			})},
		{name: "mislabelled-body", code: 3, want: []string{`does not match the listed message`},
			opts: onBad("UID FETCH", bodies, "", rewrite("(UID 1 ", "(UID 9 ", "(UID 2 ", "(UID 1 ", "(UID 9 ", "(UID 2 "))},
		{name: "bad-mailbox-names", code: 3, badOK: true, want: []string{`&Jjo!`, `a//b`, `skipped`},
			opts: func(h *hostileRun) hostile.Options {
				return hostile.Options{Upstream: h.srv.IMAPAddr(), Rules: []hostile.Rule{{Command: "LIST",
					Act: insertBeforeTagged(`* LIST () "/" "&Jjo!"`, `* LIST () "/" "a//b"`)}}}
			}},
		{name: "uid-0-and-duplicates", badOK: true, want: []string{`UID 0 is not a valid UID`, `UID sent twice`},
			opts: onBad("UID FETCH", listing, bodies, insertBeforeTagged(
				`* 1 FETCH (UID 0 FLAGS () RFC822.SIZE 10 INTERNALDATE "01-Jan-2024 00:00:00 +0000")`,
				`* 2 FETCH (UID 1 FLAGS () RFC822.SIZE 10 INTERNALDATE "01-Jan-2024 00:00:00 +0000")`))},
		{name: "uid-above-32-bits", badOK: true, want: []string{`UID 4294967296 is not a valid UID`},
			opts: onBad("UID FETCH", listing, bodies, insertBeforeTagged(
				`* 1 FETCH (UID 4294967296 FLAGS () RFC822.SIZE 10 INTERNALDATE "01-Jan-2024 00:00:00 +0000")`))},
		{name: "endless-line", code: 3, want: []string{`Bad`, `longer than`},
			opts: onBad("UID FETCH", listing, bodies, func(c *hostile.Client, _ hostile.Command, _ [][]byte) error {
				c.Write([]byte("* 1 FETCH (UID 1 X-JUNK "))
				chunk := bytes.Repeat([]byte("a"), 64<<10)
				for {
					if err := c.Write(chunk); err != nil {
						return err
					}
				}
			})},
		{name: "deep-nesting", code: 3, want: []string{`Bad`, `nest`},
			opts: onBad("UID FETCH", listing, bodies, func(c *hostile.Client, _ hostile.Command, _ [][]byte) error {
				c.Send("* 1 FETCH (UID 1 X-JUNK " + strings.Repeat("(", 100000) + strings.Repeat(")", 100000) + ")")
				return c.Stall()
			})},
		{name: "invalid-utf8", badOK: true, want: []string{`ignoring a flag that is not valid UTF-8`},
			opts: onBad("UID FETCH", listing, bodies, rewrite("FLAGS (", "FLAGS ($bad\xff\xfe ", "INTERNALDATE \"", "X-JUNK \"\xc3\x28\" INTERNALDATE \""))},
		{name: "bye-mid-fetch", code: 3, want: []string{`Bad`, `BYE|closed|EOF`},
			opts: onBad("UID FETCH", bodies, "", func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
				c.Write(held[0])
				c.Send("* BYE going away now")
				return fmt.Errorf("bye")
			})},
		{name: "exists-shrinks", badOK: true,
			opts: onBad("UID FETCH", listing, bodies, func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
				c.Send("* 1 EXISTS")
				return c.Forward(held)
			})},
		{name: "uidnext-below-uids", badOK: true, want: []string{`UIDNEXT is below its message count`},
			opts: onBad("SELECT", "", "", rewrite("[UIDNEXT 4]", "[UIDNEXT 1]"))},
		{name: "no-greeting", code: 1, noMail: true, want: []string{`greeting|timeout|no data`},
			opts: func(h *hostileRun) hostile.Options {
				return hostile.Options{Upstream: h.srv.IMAPAddr(), Greeting: func(c *hostile.Client, _ []byte) error { return c.Stall() }}
			}},
		{name: "starttls-stripped", tls: "starttls", code: 1, noMail: true, want: []string{`STARTTLS`},
			opts: func(h *hostileRun) hostile.Options {
				strip := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(" STARTTLS"), nil) }
				return hostile.Options{Upstream: h.srv.IMAPAddr(),
					Greeting: func(c *hostile.Client, real []byte) error { return c.Write(strip(real)) },
					Rules: []hostile.Rule{{Command: "CAPABILITY", Act: func(c *hostile.Client, _ hostile.Command, held [][]byte) error {
						for i := range held {
							held[i] = strip(held[i])
						}
						return c.Forward(held)
					}}}}
			}},
		{name: "starttls-injected", tls: "starttls", code: 1, noMail: true, want: []string{`STARTTLS|TLS|injected|before`},
			opts: func(h *hostileRun) hostile.Options {
				return hostile.Options{Upstream: h.srv.IMAPAddr(), Rules: []hostile.Rule{{Command: "STARTTLS",
					Act: func(c *hostile.Client, cmd hostile.Command, _ [][]byte) error {
						c.Write([]byte(cmd.Tag + " OK Begin TLS negotiation now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"))
						return c.Stall()
					}}}}
			}},
		// The server accepts the password (Dovecot must not count a
		// failure: it delays every later login from 127.0.0.1), the proxy
		// answers NO echoing it, plain and as the base64 sent.
		{name: "password-echoed", code: 1, noMail: true, echo: true, want: []string{`bad password: \[redacted\] \(you sent \[redacted\]\)`},
			opts: func(h *hostileRun) hostile.Options {
				return hostile.Options{Upstream: h.srv.IMAPAddr(), Rules: []hostile.Rule{{Command: "AUTHENTICATE", Act: func(c *hostile.Client, cmd hostile.Command, _ [][]byte) error {
					f := strings.Fields(cmd.Line)
					return c.Send(cmd.Tag + " NO bad password: " + h.user.Password + " (you sent " + f[len(f)-1] + ")")
				}}}}
			}},
	}
}

func TestHostileServers(t *testing.T) {
	for _, hc := range hostileCases() {
		t.Run(hc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostileRun(t)
			px := hostile.Start(t, hc.opts(h))
			extra := hc.extra
			if hc.echo {
				extra += fmt.Sprintf("password_command = %q\n", "echo "+h.user.Password)
			}
			cfg := h.config(px.Port(), extra)
			if hc.tls != "" {
				text := readFile(t, cfg)
				os.WriteFile(cfg, []byte(strings.Replace(text, `"plaintext-insecure"`, fmt.Sprintf("%q", hc.tls), 1)), 0o600)
			}
			r, rss := h.run(cfg, "sync")
			out := r.stdout + r.stderr
			if r.code != hc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, hc.code, out)
			}
			r.noStackTrace(t)
			for _, w := range hc.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("output does not match %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, h.user.Password) {
				t.Errorf("a password is in the output:\n%s", out)
			}
			if hc.echo { // the same through --json
				rj, _ := h.run(cfg, "--json", "sync")
				if strings.Contains(rj.stdout+rj.stderr, h.user.Password) || !strings.Contains(rj.stdout, `bad password: [redacted]`) {
					t.Errorf("--json output:\n%s%s", rj.stdout, rj.stderr)
				}
			}
			t.Logf("peak RSS %d kB", rss)
			if rss > hostileMaxRSS {
				t.Errorf("peak RSS %d kB, above %d kB", rss, hostileMaxRSS)
			}
			for _, mb := range []string{"INBOX", "Good", "Bad"} {
				want := h.sizes[mb]
				if hc.noMail || (mb == "Bad" && !hc.badOK) {
					if got := h.count(mb); got > want {
						t.Errorf("%s holds %d messages after the hostile run, more than the server's %d", mb, got, want)
					}
					continue
				}
				if got := h.count(mb); got != want {
					t.Errorf("%s holds %d messages after the hostile run, want %d\n%s", mb, got, want, out)
				}
			}
			// The state is consistent: a run through a plain proxy
			// converges, nothing lost or duplicated.
			plain := hostile.Start(t, hostile.Options{Upstream: h.srv.IMAPAddr()})
			r, _ = h.run(h.config(plain.Port(), ""), "sync")
			if r.code != 0 {
				t.Fatalf("the run after: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for mb, want := range h.sizes {
				if got := h.count(mb); got != want {
					t.Errorf("after a well-behaved run %s holds %d messages, want %d", mb, got, want)
				}
			}
		})
	}
}
