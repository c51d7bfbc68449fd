package maildir

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
	"time"
)

// counts are what a mail reader should report for one folder.
type counts struct{ total, unread, flagged int }

// readerFolders are delivered in both layouts: (mailbox, messages). Each
// message is given by its flags; "new" means delivered into new/.
var readerFolders = []struct {
	name string
	msgs []string
}{
	{"INBOX", []string{"new", "new", "S", "FS", "", "F"}},
	{"Archive/2024", []string{"S", "S", "RS", "FS", "S"}},
	{"Entwürfe", []string{"DS", "D", "F"}},
	{"a.b", []string{"new", "S"}},
}

// needTool finds a mail reader or skips; IMAPDIR_REQUIRE_READERS=1 (CI)
// turns the skip into a failure.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("IMAPDIR_REQUIRE_READERS") != "" {
			t.Fatalf("%s not installed (apt-get install notmuch maildir-utils)", name)
		}
		t.Skipf("%s not installed (apt-get install notmuch maildir-utils)", name)
	}
	return p
}

// writeReaderMaildir delivers readerFolders under root and returns the
// expected counts per folder directory relative to root.
func writeReaderMaildir(t *testing.T, l Layout, root string) map[string]counts {
	t.Helper()
	want := map[string]counts{}
	n := 0
	for _, fo := range readerFolders {
		f, err := l.Create(root, fo.name)
		if err != nil {
			t.Fatal(err)
		}
		var c counts
		for _, spec := range fo.msgs {
			n++
			msg := fmt.Sprintf("From: a@example.org\nTo: b@example.org\nMessage-ID: <%d.%s@test>\n"+
				"Date: Mon, 1 Jan 2024 10:00:00 +0000\nSubject: message %d\n\nbody %d\n", n, l, n, n)
			opts := DeliverOptions{New: spec == "new", SizeInName: true, ModTime: time.Unix(1704103200, 0)}
			if spec != "new" {
				opts.Flags = ParseFlags(spec)
			}
			if _, err := f.Deliver(context.Background(), strings.NewReader(msg), opts); err != nil {
				t.Fatal(err)
			}
			c.total++
			if !opts.Flags.Has(FlagSeen) {
				c.unread++
			}
			if opts.Flags.Has(FlagFlagged) {
				c.flagged++
			}
		}
		rel, _ := filepath.Rel(root, f.Path())
		want[rel] = c
	}
	return want
}

// runTool runs a reader with HOME and XDG dirs in temp space (mu needs
// them, as root too). It returns stdout.
func runTool(t *testing.T, home string, okCodes []int, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"NOTMUCH_CONFIG="+filepath.Join(home, "notmuch-config"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		for _, c := range okCodes {
			if ee.ExitCode() == c {
				err = nil
			}
		}
	}
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.String())
	}
	return string(out)
}

func TestNotmuchReadsOurMaildir(t *testing.T) {
	nm := needTool(t, "notmuch")
	for _, l := range []Layout{LayoutFS, LayoutMaildirPP} {
		t.Run(l.String(), func(t *testing.T) {
			root, home := filepath.Join(t.TempDir(), "mail"), t.TempDir()
			want := writeReaderMaildir(t, l, root)
			cfg := "[database]\npath=" + root + "\n[new]\ntags=\n[maildir]\nsynchronize_flags=true\n"
			if err := os.WriteFile(filepath.Join(home, "notmuch-config"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			runTool(t, home, nil, nm, "new", "--quiet")
			for rel, c := range want {
				folder := rel
				if rel == "." {
					folder = ""
				}
				q := `folder:"` + folder + `"`
				got := counts{
					total:   atoi(t, runTool(t, home, nil, nm, "count", q)),
					unread:  atoi(t, runTool(t, home, nil, nm, "count", q+" and tag:unread")),
					flagged: atoi(t, runTool(t, home, nil, nm, "count", q+" and tag:flagged")),
				}
				if got != c {
					t.Errorf("notmuch %s: %+v, want %+v", q, got, c)
				}
			}
		})
	}
}

func TestMuReadsOurMaildir(t *testing.T) {
	mu := needTool(t, "mu")
	for _, l := range []Layout{LayoutFS, LayoutMaildirPP} {
		t.Run(l.String(), func(t *testing.T) {
			root, home := filepath.Join(t.TempDir(), "mail"), t.TempDir()
			muhome := "--muhome=" + filepath.Join(home, "mu")
			want := writeReaderMaildir(t, l, root)
			runTool(t, home, nil, mu, "init", muhome, "--maildir="+root)
			runTool(t, home, nil, mu, "index", muhome, "--quiet")
			// mu find exits 4 when nothing matches.
			count := func(q string) int {
				out := runTool(t, home, []int{4}, mu, "find", muhome, "--fields=l", q)
				return len(strings.Fields(out))
			}
			for rel, c := range want {
				q := `maildir:"/` + strings.TrimPrefix(rel, ".") + `"`
				if rel != "." {
					q = `maildir:"/` + rel + `"`
				}
				got := counts{count(q), count(q + " and flag:unread"), count(q + " and flag:flagged")}
				if got != c {
					t.Errorf("mu %s: %+v, want %+v", q, got, c)
				}
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a count: %q", s)
	}
	return n
}
