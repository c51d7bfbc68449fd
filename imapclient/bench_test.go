package imapclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

const benchMessages = 10000

// benchBody returns a ~2 KiB message numbered n.
func benchBody(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: a@example.org\r\nTo: b@example.org\r\nSubject: bench %d\r\nMessage-ID: <b%d@example.org>\r\n\r\n", n, n)
	for b.Len() < 2048 {
		fmt.Fprintf(&b, "Line %d of message %d, some text to fill the body up.\r\n", b.Len(), n)
	}
	return b.Bytes()
}

// seedBench appends benchMessages messages with one MULTIAPPEND and
// returns their total size.
func seedBench(b *testing.B, c *Client) int64 {
	b.Helper()
	msgs := make([]AppendMessage, benchMessages)
	var total int64
	for i := range msgs {
		body := benchBody(i)
		msgs[i] = AppendMessage{Size: int64(len(body)), Body: bytes.NewReader(body)}
		total += int64(len(body))
	}
	if _, err := c.AppendMulti(context.Background(), "INBOX", msgs); err != nil {
		b.Fatal(err)
	}
	return total
}

// BenchmarkFetchBodies streams 10 000 bodies (UID FETCH 1:* BODY.PEEK[])
// to io.Discard through the client and, in the same iteration, reads the
// same response from a raw socket (the bytes are only scanned for the
// tagged OK). Pairing the two in each iteration cancels much of the noise
// of a shared machine. Reported: "x-raw" = client throughput / raw
// throughput (goal ≥ 0.9), process CPU per message for both (Dovecot's
// excluded), and the client's allocations per message. Over TLS and over
// plaintext (where the client's parsing cost shows most).
func BenchmarkFetchBodies(b *testing.B) {
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	seeder := benchClient(b, srv, u, true)
	seedBench(b, seeder)
	seeder.Close()
	for _, plain := range []bool{false, true} {
		b.Run(map[bool]string{false: "tls", true: "plain"}[plain], func(b *testing.B) {
			c := benchClient(b, srv, u, plain)
			defer c.Close()
			raw := newRawConn(b, srv, u, plain)
			defer raw.conn.Close()
			benchPaired(b, c, raw)
		})
	}
}

// benchPaired runs raw and client fetches alternately and reports.
func benchPaired(b *testing.B, c *Client, raw *rawConn) {
	var clientWall, rawWall, clientCPU, rawCPU time.Duration
	var ms0, ms1 runtime.MemStats
	var mallocs uint64
	var size int64
	for range b.N {
		w, cpu := time.Now(), cpuTime()
		size = raw.fetch(b)
		rawWall, rawCPU = rawWall+time.Since(w), rawCPU+cpuTime()-cpu
		runtime.ReadMemStats(&ms0)
		w, cpu = time.Now(), cpuTime()
		benchClientFetch(b, c)
		clientWall, clientCPU = clientWall+time.Since(w), clientCPU+cpuTime()-cpu
		runtime.ReadMemStats(&ms1)
		mallocs += ms1.Mallocs - ms0.Mallocs
	}
	msgs := float64(b.N * benchMessages)
	b.SetBytes(size)
	b.ReportMetric(float64(rawWall)/float64(clientWall), "x-raw")
	b.ReportMetric(float64(clientCPU)/msgs, "client-cpu-ns/msg")
	b.ReportMetric(float64(rawCPU)/msgs, "raw-cpu-ns/msg")
	b.ReportMetric(float64(mallocs)/msgs, "allocs/msg")
	b.ReportMetric(float64(size)*float64(b.N)/clientWall.Seconds()/1e6, "client-MB/s")
	b.ReportMetric(float64(size)*float64(b.N)/rawWall.Seconds()/1e6, "raw-MB/s")
}

func benchClient(b *testing.B, srv *testenv.Server, u testenv.User, plain bool) *Client {
	o := &Options{TLSConfig: srv.TLSConfig()}
	addr := srv.IMAPSAddr()
	if plain {
		o, addr = &Options{InsecurePlaintext: true}, srv.IMAPAddr()
	}
	c, err := Dial(context.Background(), addr, o)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Login(context.Background(), u.Name, SecretString(u.Password)); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select(context.Background(), "INBOX", nil); err != nil {
		b.Fatal(err)
	}
	return c
}

func benchClientFetch(b *testing.B, c *Client) {
	n := 0
	_, err := c.UIDFetch(context.Background(), imap.UIDRangeSet(1, 0), Items("BODY.PEEK[]"), &FetchOptions{
		Body: func(info BodyInfo, r io.Reader) (any, error) {
			_, err := io.Copy(io.Discard, r)
			return nil, err
		},
		OnMessage: func(*imap.FetchData) error { n++; return nil },
	})
	if err != nil || n != benchMessages {
		b.Fatalf("%d messages, %v", n, err)
	}
}

// rawConn is a hand-logged-in connection for the raw baseline.
type rawConn struct {
	conn net.Conn
	br   *bufio.Reader
}

func newRawConn(b *testing.B, srv *testenv.Server, u testenv.User, plain bool) *rawConn {
	var conn net.Conn
	var err error
	if plain {
		conn, err = net.Dial("tcp", srv.IMAPAddr())
	} else {
		conn, err = tls.Dial("tcp", srv.IMAPSAddr(), srv.TLSConfig())
	}
	if err != nil {
		b.Fatal(err)
	}
	r := &rawConn{conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}
	rawUntil(b, conn, r.br, "", "* OK")
	rawUntil(b, conn, r.br, fmt.Sprintf("L LOGIN %s %s\r\n", u.Name, u.Password), "L OK")
	rawUntil(b, conn, r.br, "S SELECT INBOX\r\n", "S OK")
	return r
}

// fetch reads the whole FETCH response and returns its size in bytes.
func (r *rawConn) fetch(b *testing.B) int64 {
	return rawUntil(b, r.conn, r.br, "F UID FETCH 1:* (BODY.PEEK[])\r\n", "\r\nF OK")
}

// rawUntil sends cmd and reads until marker, returning the bytes read.
// It only scans for the marker (also across read boundaries).
func rawUntil(b *testing.B, conn net.Conn, br *bufio.Reader, cmd, marker string) int64 {
	if cmd != "" {
		if _, err := io.WriteString(conn, cmd); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 64<<10)
	m := []byte(marker)
	seam := make([]byte, 0, 2*len(m))
	var n int64
	for {
		k, err := br.Read(buf)
		n += int64(k)
		seam = append(seam, buf[:min(k, len(m)-1)]...)
		if bytes.Contains(seam, m) || bytes.Contains(buf[:k], m) {
			br.Discard(br.Buffered()) // the rest of the tagged line
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		seam = append(seam[:0], buf[max(0, k-len(m)+1):k]...)
	}
}

// cpuTime returns the CPU time (user + system) of this process, which
// excludes Dovecot's: the client's cost whatever the machine's load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
