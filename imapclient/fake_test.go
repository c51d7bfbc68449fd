package imapclient

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

// fakeServer is a scripted IMAP server on 127.0.0.1 for what Dovecot
// cannot be made to do (no STARTTLS, XOAUTH2). script runs once per
// accepted connection; what it reads is recorded.
type fakeServer struct {
	ln   net.Listener
	seen chan string // every line the client sent, in order
	done chan error
}

type fakeConn struct {
	c  net.Conn
	br *bufio.Reader
	fs *fakeServer
}

func (f *fakeConn) send(lines ...string) {
	for _, l := range lines {
		f.c.Write([]byte(l + "\r\n"))
	}
}

// read returns the next line the client sent, "" at EOF.
func (f *fakeConn) read() string {
	l, err := f.br.ReadString('\n')
	if err != nil {
		return ""
	}
	l = strings.TrimRight(l, "\r\n")
	f.fs.seen <- l
	return l
}

func newFakeServer(t *testing.T, script func(f *fakeConn)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeServer{ln: ln, seen: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			fs.done <- err
			return
		}
		defer c.Close()
		script(&fakeConn{c: c, br: bufio.NewReader(c), fs: fs})
		fs.done <- nil
	}()
	t.Cleanup(func() { ln.Close() })
	return fs
}

func (fs *fakeServer) addr() string { return fs.ln.Addr().String() }

// lines returns the client lines seen so far.
func (fs *fakeServer) lines() []string {
	var out []string
	for {
		select {
		case l := <-fs.seen:
			out = append(out, l)
		default:
			return out
		}
	}
}

// newFakeServerN is newFakeServer for several connections: script gets
// the connection's number, from 0.
func newFakeServerN(t *testing.T, script func(f *fakeConn, n int)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeServer{ln: ln, seen: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				script(&fakeConn{c: c, br: bufio.NewReader(c), fs: fs}, n)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return fs
}

// serveOK answers every command with OK until the client goes.
func (f *fakeConn) serveOK() {
	for l := f.read(); l != ""; l = f.read() {
		f.send(strings.Fields(l)[0] + " OK done")
	}
}
