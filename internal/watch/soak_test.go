package watch

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
)

// TestSoak runs the watch for IMAPDIR_SOAK (e.g. 30m; `make soak`) while
// random changes hit both sides every few seconds: new messages, flag
// changes and deletions, on the server and in the Maildir. At the end both
// sides hold the same messages with the same flags, and the goroutine
// count and RSS have not grown. Skipped without IMAPDIR_SOAK.
func TestSoak(t *testing.T) {
	period, err := time.ParseDuration(os.Getenv("IMAPDIR_SOAK"))
	if err != nil {
		t.Skip("set IMAPDIR_SOAK=30m to soak (make soak)")
	}
	r := newRig(t, testenv.Dovecot(t))
	r.srv.CreateMailbox(t, r.user.Name, "Archive")
	r.start(r.account(), Options{})
	_, i := r.waitFor(0, "the first full sync", fullSync)
	app, err := testBackend{r}.Dial(context.Background(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	baseG, baseRSS := runtime.NumGoroutine(), rss(t)
	t.Logf("start: %d goroutines, RSS %d KiB", baseG, baseRSS)
	end := time.Now().Add(period)
	sample := time.Now().Add(time.Minute)
	changes := 0
	for seq := 0; time.Now().Before(end); seq++ {
		mailbox := []string{"INBOX", "Archive"}[rng.IntN(2)]
		if rng.IntN(2) == 0 {
			soakServerChange(t, app, rng, mailbox, seq)
		} else {
			soakLocalChange(t, r, rng, mailbox, seq)
		}
		changes++
		pause := time.NewTimer(time.Duration(500+rng.IntN(4000)) * time.Millisecond)
		<-pause.C
		if time.Now().After(sample) {
			sample = sample.Add(time.Minute)
			t.Logf("%s: %d changes, %d goroutines, RSS %d KiB", time.Until(end).Round(time.Second), changes,
				runtime.NumGoroutine(), rss(t))
		}
	}
	// quiesce: a marker each way in each mailbox; once both have crossed,
	// every earlier change has been synced with them
	for _, m := range []string{"INBOX", "Archive"} {
		r.srv.SaveMessage(t, r.user.Name, m, message("soak final "+m))
		_, i = r.waitFor(i, "the server marker in "+m, func(ev Event) bool {
			return ev.Kind == EventSynced && ev.Pulled.New > 0 && r.hasSubject(m, "soak final "+m)
		})
		soakLocalNew(t, r, m, -1) // "soak local -1"
		_, i = r.waitFor(i, "the local marker in "+m, func(ev Event) bool {
			return ev.Kind == EventSynced && ev.Pushed.New > 0 && strings.Contains(serverState(t, app, m), "soak local -1")
		})
	}
	runtime.GC()
	endG, endRSS := runtime.NumGoroutine(), rss(t)
	t.Logf("end: %d changes; %d goroutines (start %d), RSS %d KiB (start %d)", changes, endG, baseG, endRSS, baseRSS)
	r.stop()
	if endG > baseG+10 {
		t.Errorf("goroutines grew from %d to %d", baseG, endG)
	}
	for _, m := range []string{"INBOX", "Archive"} {
		local, server := r.localState(t, m), serverState(t, app, m)
		if local != server {
			t.Errorf("%s differs:\nlocal:\n%s\nserver:\n%s", m, local, server)
		}
	}
}

func soakServerChange(t *testing.T, app *imapclient.Client, rng *rand.Rand, mailbox string, seq int) {
	ctx := context.Background()
	sel, err := app.Select(ctx, mailbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	switch op := rng.IntN(3); {
	case op == 0 || sel.Exists == 0:
		msg := message(fmt.Sprintf("soak server %d", seq))
		if _, err := app.Append(ctx, mailbox, imapclient.AppendMessage{Size: int64(len(msg)), Body: bytes.NewReader(msg)}); err != nil {
			t.Fatal(err)
		}
	case op == 1:
		n := 1 + rng.Uint32N(sel.Exists)
		flag := []string{`\Seen`, `\Flagged`, `\Answered`}[rng.IntN(3)]
		sign := []string{"+", "-"}[rng.IntN(2)]
		if _, err := app.Command(ctx, imap.Atom("STORE"), imap.Atom(strconv.Itoa(int(n))), imap.Atom(sign+"FLAGS"), imap.List{imap.Atom(flag)}); err != nil {
			t.Fatal(err)
		}
	default:
		n := 1 + rng.Uint32N(sel.Exists)
		if _, err := app.Command(ctx, imap.Atom("STORE"), imap.Atom(strconv.Itoa(int(n))), imap.Atom("+FLAGS"), imap.List{imap.Atom(`\Deleted`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Command(ctx, imap.Atom("EXPUNGE")); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.CloseMailbox(ctx); err != nil {
		t.Fatal(err)
	}
}

func soakLocalChange(t *testing.T, r *rig, rng *rand.Rand, mailbox string, seq int) {
	dir := filepath.Join(r.root, mailbox)
	files := r.messageFiles(mailbox)
	switch op := rng.IntN(3); {
	case op == 0 || len(files) == 0:
		soakLocalNew(t, r, mailbox, seq)
	case op == 1:
		f := files[rng.IntN(len(files))]
		base := filepath.Base(f)
		uniq, info, _ := strings.Cut(base, ":2,")
		flags := strings.NewReplacer("S", "", "F", "").Replace(info)
		flags = string(sortRunes(flags + []string{"S", "F", ""}[rng.IntN(3)]))
		_ = os.Rename(f, filepath.Join(dir, "cur", uniq+":2,"+flags))
	default:
		_ = os.Remove(files[rng.IntN(len(files))])
	}
}

// soakLocalNew delivers "soak local SEQ" into mailbox as a mail reader
// would (tmp/, then cur/).
func soakLocalNew(t *testing.T, r *rig, mailbox string, seq int) {
	dir := filepath.Join(r.root, mailbox)
	name := fmt.Sprintf("%d.M%dP1Q%d.soak:2,", time.Now().Unix(), seq, seq)
	tmp := filepath.Join(dir, "tmp", name)
	body := fmt.Sprintf("From: l@example.com\nMessage-ID: <soak-local-%d@example.com>\nSubject: soak local %d\n\nbody\n", seq, seq)
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "cur", name)); err != nil {
		t.Fatal(err)
	}
}

func sortRunes(s string) []rune {
	rs := []rune(s)
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return rs
}

// messageFiles lists mailbox's message files.
func (r *rig) messageFiles(mailbox string) []string {
	var files []string
	for _, sub := range []string{"new", "cur"} {
		m, _ := filepath.Glob(filepath.Join(r.root, mailbox, sub, "*"))
		files = append(files, m...)
	}
	return files
}

func (r *rig) hasSubject(mailbox, subject string) bool {
	for _, f := range r.messageFiles(mailbox) {
		if m, ok := readNewMessage(f); ok && m.subject == subject {
			return true
		}
	}
	return false
}

// localState is one line per message: subject and the S/F/R flags.
func (r *rig) localState(t *testing.T, mailbox string) string {
	var lines []string
	for _, f := range r.messageFiles(mailbox) {
		m, ok := readNewMessage(f)
		if !ok {
			t.Fatalf("unreadable %s", f)
		}
		_, info, _ := strings.Cut(filepath.Base(f), ":2,")
		var fl []string
		for _, c := range []struct {
			letter byte
			name   string
		}{{'F', "F"}, {'R', "R"}, {'S', "S"}} {
			if strings.IndexByte(info, c.letter) >= 0 {
				fl = append(fl, c.name)
			}
		}
		lines = append(lines, m.subject+" "+strings.Join(fl, ""))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// serverState is localState's form of the server's mailbox.
func serverState(t *testing.T, app *imapclient.Client, mailbox string) string {
	ctx := context.Background()
	sel, err := app.Select(ctx, mailbox, &imapclient.SelectOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.CloseMailbox(ctx)
	if sel.Exists == 0 {
		return ""
	}
	res, err := app.Command(ctx, imap.Atom("FETCH"), imap.Atom("1:*"), imap.Raw("(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, resp := range res.Untagged {
		f, err := imap.ParseFetch(resp)
		if err != nil {
			continue
		}
		subject := ""
		for _, s := range f.Sections {
			if v, ok := s.Value.(imap.Str); ok {
				subject = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(v)), "Subject:"))
			}
		}
		var fl []string
		for _, c := range []struct {
			flag imap.Flag
			name string
		}{{`\Flagged`, "F"}, {`\Answered`, "R"}, {`\Seen`, "S"}} {
			if slicesContains(f.Flags, c.flag) {
				fl = append(fl, c.name)
			}
		}
		lines = append(lines, subject+" "+strings.Join(fl, ""))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func slicesContains(fs []imap.Flag, f imap.Flag) bool {
	for _, x := range fs {
		if strings.EqualFold(string(x), string(f)) {
			return true
		}
	}
	return false
}

// rss is the process's resident set size in KiB.
func rss(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b))
	pages, _ := strconv.Atoi(fields[1])
	return pages * os.Getpagesize() / 1024
}
