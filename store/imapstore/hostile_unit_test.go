package imapstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/imapwire"
	"github.com/imapdir/imapdir/store"
)

// TestUnusableNames: names a neutral name cannot carry are reported with
// a reason; names of other namespaces are left out without a word.
func TestUnusableNames(t *testing.T) {
	cases := []struct {
		n      names
		server string
		why    string // substring; "" = usable
	}{
		{names{delim: '/'}, "Archive/2024", ""},
		{names{delim: '/'}, "a//b", "empty level"},
		{names{delim: '/'}, "a/", "empty level"},
		{names{prefix: "INBOX.", delim: '.'}, "INBOX.a..b", "empty level"},
		{names{prefix: "INBOX.", delim: '.'}, "INBOX.x/y", `holds "/"`},
		{names{delim: '/'}, "bad\xffname", "UTF-8"},
		{names{prefix: "INBOX.", delim: '.', others: []string{"Shared."}}, "Shared.x//y", ""},
		{names{delim: '/'}, "INBOX", ""},
	}
	for _, c := range cases {
		got := c.n.unusable(c.server)
		if (c.why == "") != (got == "") || !strings.Contains(got, c.why) {
			t.Errorf("%+v unusable(%q) = %q, want %q", c.n, c.server, got, c.why)
		}
	}
}

// TestCleanSpool: a spool file whose process is gone and that is old is
// removed; ours, a live process's, a fresh one and other files stay.
func TestCleanSpool(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old := now.Add(-2 * spoolStaleAge)
	write := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// 4194304 is above Linux's default pid_max: no such process.
	gone := write(spoolPrefix+"4194304-123", old)
	fresh := write(spoolPrefix+"4194304-456", now)
	ours := write(spoolPrefix+strconv.Itoa(os.Getpid())+"-789", old)
	other := write("unrelated-4194304-1", old)
	if n := cleanSpool(dir, now); n != 1 {
		t.Errorf("cleanSpool removed %d files, want 1", n)
	}
	if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale spool file of a gone process is still there: %v", err)
	}
	for _, p := range []string{fresh, ours, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	f, err := createSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if pid, ok := spoolPID(filepath.Base(f.Name())); !ok || pid != os.Getpid() {
		t.Errorf("spool file %s does not carry our pid", f.Name())
	}
}

// TestBodyChecks: a body literal above twice the listed size (plus slack)
// is refused before it is read; a body whose size or Message-ID differs
// from the listed message is not paired.
func TestBodyChecks(t *testing.T) {
	var l listedSet
	l.note(store.Message{UID: 3, Size: 100, MessageID: "three@x"})
	l.note(store.Message{UID: 4, Size: 120, MessageID: "four@x"})
	bound := l.bound([]store.UID{3, 4}, DefaultMaxMessageSize)
	if bound != 2*120+bodySlack {
		t.Errorf("bound %d", bound)
	}
	if l.bound([]store.UID{3, 9}, 5000) != 5000 {
		t.Error("an unlisted UID must fall back to the absolute cap")
	}
	err := checkLiteral(imapclient.BodyInfo{Seq: 1, Size: 99999999999}, bound)
	if !errors.Is(err, imapwire.ErrLimit) || !strings.Contains(err.Error(), "99999999999") {
		t.Errorf("checkLiteral: %v", err)
	}
	body3 := "Message-ID: <three@x>\r\nSubject: 3\r\n\r\nMessage-ID: <four@x>\r\n"
	sp := &spooled{mem: []byte(body3), size: int64(len(body3))}
	if why := l.mismatch(store.Message{UID: 4, Size: 120}, sp); !strings.Contains(why, "Message-ID") {
		t.Errorf("message 3's body labelled UID 4: mismatch %q", why)
	}
	if why := l.mismatch(store.Message{UID: 4, Size: 100}, sp); !strings.Contains(why, "RFC822.SIZE") {
		t.Errorf("message 3's size labelled UID 4: mismatch %q", why)
	}
	if why := l.mismatch(store.Message{UID: 3, Size: 100}, sp); why != "" {
		t.Errorf("message 3's own body: mismatch %q", why)
	}
	if why := l.mismatch(store.Message{UID: 7, Size: 100}, sp); why != "" {
		t.Errorf("an unlisted UID: mismatch %q", why)
	}
}

// TestProducerPanicFailsTheMailbox: a panic on a listing's producer
// goroutine (here: a mailbox without a connection) is that mailbox's
// error, not the end of the process.
func TestProducerPanicFailsTheMailbox(t *testing.T) {
	m := &Mailbox{s: &Store{log: slog.New(slog.DiscardHandler)}, name: "Bad"}
	sc := scan{lo: 1, top: 10, items: nil, chunk: 5, closed: true}
	_, err := sc.run(context.Background(), m, func([]store.Message) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "panic") || store.ScopeOf(err) != store.ScopeMailbox {
		t.Fatalf("scan on a broken mailbox: %v, want a mailbox error naming the panic", err)
	}
}

// TestListedKeepFrom: a windowed listing forgets what earlier windows
// listed, so the set holds one window whatever the mailbox's size, and
// keeps checking the bodies of the current window.
func TestListedKeepFrom(t *testing.T) {
	var l listedSet
	l.keepFrom(1) // the first window's listing, on an empty set
	for u := store.UID(1); u <= 5000; u++ {
		l.note(store.Message{UID: u, Size: 100, MessageID: fmt.Sprintf("%d@x", u)})
	}
	l.keepFrom(4001)
	if n := len(l.m); n != 1000 {
		t.Errorf("%d listed messages kept, want 1000", n)
	}
	if _, ok := l.get(4000); ok {
		t.Error("UID 4000, below the window, is still kept")
	}
	if v, ok := l.get(4001); !ok || v.size != 100 {
		t.Errorf("UID 4001 of the window: %+v %v", v, ok)
	}
}
