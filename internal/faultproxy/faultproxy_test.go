package faultproxy

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
)

// echo starts a line echo server.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(c, c)
		}
	}()
	return ln.Addr().String()
}

func TestCutAfterPattern(t *testing.T) {
	p, err := New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cut := p.CutAfter(ToClient, "MARK", 3)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "hello\n")
	br := bufio.NewReader(c)
	if l, _ := br.ReadString('\n'); l != "hello\n" {
		t.Fatalf("echo %q", l)
	}
	io.WriteString(c, "abcMARK123456\n")
	rest, _ := io.ReadAll(br)
	<-cut
	if string(rest) != "abcMARK123" {
		t.Errorf("got %q before the cut, want %q", rest, "abcMARK123")
	}
	if p.Connections() != 1 {
		t.Errorf("%d connections", p.Connections())
	}
}

func TestRefuse(t *testing.T) {
	p, err := New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Refuse(true)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "x\n")
	if b, _ := io.ReadAll(c); len(b) != 0 || strings.Contains(string(b), "x") {
		t.Errorf("refused connection echoed %q", b)
	}
}
