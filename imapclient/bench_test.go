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
// to io.Discard through the client, next to a raw socket read of the same
// response ("raw": the bytes are read and only scanned for the tagged
// OK). Compare the ns/op of the two; allocs/msg is the client's per
// message. Over TLS and over plaintext (where parsing cost shows most).
func BenchmarkFetchBodies(b *testing.B) {
	srv := testenv.Dovecot(b)
	u := srv.NewUser(b)
	for _, plain := range []bool{false, true} {
		mode := map[bool]string{false: "tls", true: "plain"}[plain]
		c := benchClient(b, srv, u, plain)
		if mode == "tls" {
			seedBench(b, c)
		}
		b.Run(mode+"/client", func(b *testing.B) { benchClientFetch(b, c) })
		b.Run(mode+"/raw", func(b *testing.B) { benchRawFetch(b, srv, u, plain) })
		c.Close()
	}
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
	var bytesRead int64
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		n := 0
		_, err := c.UIDFetch(context.Background(), imap.UIDRangeSet(1, 0), Items("BODY.PEEK[]"), &FetchOptions{
			Body: func(info BodyInfo, r io.Reader) (any, error) {
				k, err := io.Copy(io.Discard, r)
				bytesRead += k
				return nil, err
			},
			OnMessage: func(*imap.FetchData) error { n++; return nil },
		})
		if err != nil || n != benchMessages {
			b.Fatalf("%d messages, %v", n, err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0)
	runtime.ReadMemStats(&ms1)
	b.SetBytes(bytesRead / int64(b.N))
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N*benchMessages), "allocs/msg")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N*benchMessages), "B/msg")
}

// benchRawFetch logs in by hand and reads the FETCH response bytes,
// looking only for the tagged completion.
func benchRawFetch(b *testing.B, srv *testenv.Server, u testenv.User, plain bool) {
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
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 64<<10)
	rawUntil(b, conn, br, "", "* OK")
	rawUntil(b, conn, br, fmt.Sprintf("L LOGIN %s %s\r\n", u.Name, u.Password), "L OK")
	rawUntil(b, conn, br, "S SELECT INBOX\r\n", "S OK")
	var total int64
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		total += rawUntil(b, conn, br, "F UID FETCH 1:* (BODY.PEEK[])\r\n", "\r\nF OK")
	}
	b.StopTimer()
	reportCPU(b, cpu0)
	b.SetBytes(total / int64(b.N))
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

// reportCPU reports this process's CPU time per message since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N*benchMessages), "cpu-ns/msg")
}
