package watch

import (
	"net"
	"sync"
	"testing"
)

// proxy forwards TCP connections to a target and can cut or stall those
// it holds, to play a broken network.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns []*proxied
}

// proxied is one forwarded connection.
type proxied struct {
	client, server net.Conn
	stalled        chan struct{} // closed: forward nothing more
	once           sync.Once
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pc := &proxied{client: c, server: s, stalled: make(chan struct{})}
		p.mu.Lock()
		p.conns = append(p.conns, pc)
		p.mu.Unlock()
		go pc.pipe(c, s)
		go pc.pipe(s, c)
	}
}

// pipe copies from src to dst until either fails; once stalled, what is
// read is dropped and nothing more is written.
func (pc *proxied) pipe(src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			pc.close()
			return
		}
		select {
		case <-pc.stalled:
			continue
		default:
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			pc.close()
			return
		}
	}
}

func (pc *proxied) close() {
	pc.client.Close()
	pc.server.Close()
}

// cut closes every connection held.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.conns {
		pc.close()
	}
	p.conns = nil
}

// stall makes every connection held silent both ways, open but dead, as
// a black-holed link; new connections work.
func (p *proxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.conns {
		pc.once.Do(func() { close(pc.stalled) })
	}
	p.conns = nil
}
