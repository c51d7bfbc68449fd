package imapclient

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStallTimeoutSparesAMovingUpload: an APPEND whose literal still
// moves (a server reading slowly, as over a slow link) is not taken for a
// stall although the server says nothing meanwhile; small socket buffers
// keep the kernel from absorbing the upload at once.
func TestStallTimeoutSparesAMovingUpload(t *testing.T) {
	const size = 2 << 20
	fs := newFakeServer(t, func(f *fakeConn) {
		f.c.(*net.TCPConn).SetReadBuffer(16 << 10)
		f.send("* OK [CAPABILITY IMAP4rev1 LITERAL+] fake")
		l := f.read()
		n, _ := strconv.Atoi(l[strings.LastIndexByte(l, '{')+1 : len(l)-2])
		buf := make([]byte, 16<<10)
		for left := n; left > 0; {
			k, err := f.br.Read(buf[:min(len(buf), left)])
			if err != nil {
				return
			}
			left -= k
			time.Sleep(10 * time.Millisecond) // a slow link: about 1.6 MB/s
		}
		f.read() // the CRLF ending the command
		f.send(strings.Fields(l)[0] + " OK appended")
		f.read()
	})
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetWriteBuffer(16 << 10)
		}
		return c, err
	}
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true, Dialer: dial, StallTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := io.MultiReader(strings.NewReader("Subject: big\r\n\r\n"), &patternReader{left: size - 16})
	if _, err := c.Append(testCtx(t), "INBOX", AppendMessage{Size: size, Body: body}); err != nil {
		t.Fatalf("APPEND of a moving upload: %v", err)
	}
}
