package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingProxy relays loopback connections to upstream and counts the
// bytes the server sends.
type countingProxy struct {
	ln   net.Listener
	down atomic.Int64
	wg   sync.WaitGroup // the accept loop and the relays

	mu     sync.Mutex
	active int           // relays running
	idle   chan struct{} // a token when active fell to 0
}

func newCountingProxy(t *testing.T, upstream string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln, idle: make(chan struct{}, 1)}
	p.wg.Add(1)
	go p.accept(upstream)
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

// countWriter counts what it writes.
type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}

func (p *countingProxy) accept(upstream string) {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.DialTimeout("tcp", upstream, 10*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.active += 2
		p.mu.Unlock()
		p.wg.Add(2)
		go p.relay(func() { io.Copy(u, c); u.Close() })
		go p.relay(func() { io.Copy(countWriter{c, &p.down}, u); c.Close() })
	}
}

// relay runs one direction's copy and notes its end.
func (p *countingProxy) relay(copy func()) {
	defer p.wg.Done()
	copy()
	p.mu.Lock()
	p.active--
	if p.active == 0 {
		select {
		case p.idle <- struct{}{}:
		default:
		}
	}
	p.mu.Unlock()
}

// received waits until every relayed connection has ended (the client
// closes its connections before a run ends) and returns the bytes the
// server sent.
func (p *countingProxy) received(t *testing.T) int64 {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		n := p.active
		p.mu.Unlock()
		if n == 0 {
			return p.down.Load()
		}
		select {
		case <-p.idle:
		case <-deadline:
			t.Fatal("the proxied connections did not end")
		}
	}
}

func (p *countingProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// TestImportMatchPairsWithoutState: a Maildir the real mbsync made (1 000
// messages with 4 KiB bodies in 4 folders, 5 of them without Message-ID),
// whose mbsync state was then deleted, is paired with the server's
// messages by identity reading only headers (the bytes the server sends
// are counted through a proxy); the next sync copies no body, touches no
// local file and changes nothing on the server.
func TestImportMatchPairsWithoutState(t *testing.T) {
	r := newMbsyncRig(t, 0)
	body := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n", 64)
	total := 0
	for fi, box := range mbsyncFolders {
		raws := make([][]byte, 250)
		for i := range raws {
			id := fmt.Sprintf("Message-ID: <big%d-%d@example.com>\r\n", fi, i)
			if box == "INBOX" && i < 5 {
				id = "" // known by its header hash
			}
			raws[i] = []byte(fmt.Sprintf("%sFrom: a@example.com\r\nSubject: message %d of folder %d\r\n\r\n%s", id, i, fi, body))
			total += len(raws[i])
		}
		r.srv.DeliverMessages(t, r.user.Name, box, time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), raws...)
	}
	r.srv.AddFlags(t, r.user.Name, "Sent", 7, `\Answered`, `\Seen`)
	r.runMbsync()
	// The state is lost: mbsync's files go, its names stay.
	err := filepath.WalkDir(r.maildir, func(path string, d os.DirEntry, err error) error {
		if err == nil && (d.Name() == ".mbsyncstate" || d.Name() == ".uidvalidity") {
			err = os.Remove(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCountingProxy(t, "127.0.0.1:"+strconv.Itoa(r.srv.IMAPPort()))
	r.writeConfig(fmt.Sprintf(`[accounts.work]
host = "127.0.0.1"
port = %d
tls = "plaintext-insecure"
user = %q
password = %q
maildir = %q
layout = "fs-mutf7"
`, proxy.port(), r.user.Name, r.user.Password, r.maildir))
	files := snapshot(t, r.maildir)
	server := r.serverState()

	out, _ := r.mustRun("import", "match", "work", "--from", r.maildir)
	down := proxy.received(t)
	t.Logf("import read %d bytes from the server; the messages hold %d", down, total) // a figure
	m := regexp.MustCompile(`adopted (\d+) messages in 4 folders`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("import said:\n%s", out)
	}
	t.Logf("paired %s of 1000 messages", m[1])
	if n, _ := strconv.Atoi(m[1]); n < 990 {
		t.Fatalf("paired %d of 1000 messages, want at least 99 %%:\n%s", n, out)
	}
	if down == 0 {
		t.Fatal("the proxy counted no byte: the import did not go through it")
	}
	if down > int64(total)/4 {
		t.Errorf("the import read %d bytes from the server, more than a quarter of the messages' %d: not only headers", down, total)
	}
	sameFiles(t, "import", files, snapshot(t, r.maildir))

	_, trace := r.mustRun("-vvv", "sync", "work")
	noBodiesNoChanges(t, trace)
	sameFiles(t, "first sync", files, snapshot(t, r.maildir))
	if got := r.serverState(); got != server {
		t.Fatalf("the first sync changed the server:\nbefore:\n%s\nafter:\n%s", server, got)
	}
}

// TestImportMatchRefusesUnpaired: a local file the server does not have
// stops the import (nothing written) until --unpaired upload; the next
// sync then uploads it.
func TestImportMatchRefusesUnpaired(t *testing.T) {
	r := newMbsyncRig(t, 5)
	filepath.WalkDir(r.maildir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == ".mbsyncstate" {
			os.Remove(path)
		}
		return nil
	})
	local := filepath.Join(r.maildir, "Sent", "new", "1700000000.only-here.host")
	if err := os.WriteFile(local, []byte("Message-ID: <only-here@example.com>\nSubject: x\n\ny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := r.runReal("import", "match", "work", "--from", r.maildir)
	if code == 0 || !strings.Contains(errOut, "1 local files and 0 server messages stay unpaired") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(r.maildir, ".imapdir.sqlite3")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused import created the state database")
	}
	out, _ = r.mustRun("import", "match", "work", "--from", r.maildir, "--unpaired", "upload")
	if !strings.Contains(out, "adopted 20 messages in 4 folders") || !strings.Contains(out, "Sent: adopted 5 pairs, 5 checked on the server; to download 0, to upload 1") {
		t.Fatalf("import said:\n%s", out)
	}
	r.mustRun("sync", "work")
	var found bool
	for _, m := range r.srv.Fetch(t, r.user.Name, "Sent", "uid hdr.message-id") {
		found = found || strings.Contains(m["hdr.message-id"], "only-here@example.com")
	}
	if !found || len(r.srv.Fetch(t, r.user.Name, "Sent", "uid")) != 6 {
		t.Error("the unpaired local message was not uploaded once")
	}

	// A local folder the server does not have is left to the next sync,
	// which creates it; the folders adopted before stay as they are.
	if err := os.MkdirAll(filepath.Join(r.maildir, "Lokal", "cur"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"new", "tmp"} {
		os.MkdirAll(filepath.Join(r.maildir, "Lokal", sub), 0o700)
	}
	if err := os.WriteFile(filepath.Join(r.maildir, "Lokal", "cur", "1700000001.lokal.host:2,S"),
		[]byte("Message-ID: <lokal@example.com>\nSubject: x\n\ny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = r.runReal("import", "match", "work", "--from", r.maildir)
	if code == 0 || !strings.Contains(errOut, `"Lokal"`) || !strings.Contains(errOut, "no mailbox on the server") {
		t.Fatalf("exit %d\nstderr:\n%s", code, errOut)
	}
	out, _ = r.mustRun("import", "match", "work", "--from", r.maildir, "--unpaired", "upload")
	if !strings.Contains(out, "work: Lokal: not on the server: the next sync creates it") || strings.Count(out, "already adopted") != 4 {
		t.Fatalf("import said:\n%s", out)
	}
	r.mustRun("sync", "work")
	if ms := r.srv.Fetch(t, r.user.Name, "Lokal", "uid flags"); len(ms) != 1 || !strings.Contains(ms[0]["flags"], `\Seen`) {
		t.Errorf("the server's Lokal holds %v", ms)
	}
}
