// Package faultproxy is a TCP proxy for tests that cuts connections at
// chosen points of the byte stream: after a pattern has passed in one
// direction (plus some more bytes), or at once. It can stall a direction
// instead of cutting it, throttle every connection to a byte rate, and
// refuse new connections, to keep a client from reconnecting. It listens
// on 127.0.0.1 only.
package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Direction names one half of a proxied connection.
type Direction int

// Directions.
const (
	ToServer Direction = iota // bytes the client sends
	ToClient                  // bytes the server sends
)

// Proxy forwards connections from its address to an upstream address.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu     sync.Mutex
	conns  map[*pair]bool
	rules  []*rule
	refuse bool
	total  int
	rate   int // bytes per second per direction of each connection; 0: unlimited
}

// rule is a one-shot fault: after pattern passed in dir, then after more
// bytes, the connection is cut (or, with stall, that direction stops).
type rule struct {
	dir     Direction
	pattern []byte
	after   int
	stall   bool
	fired   chan struct{}
}

type pair struct {
	client, server net.Conn
	once           sync.Once
	dead           chan struct{}
}

func (p *pair) cut() {
	p.once.Do(func() {
		p.client.Close()
		p.server.Close()
		close(p.dead)
	})
}

// New starts a proxy to upstream ("host:port") on 127.0.0.1.
func New(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, upstream: upstream, conns: map[*pair]bool{}}
	go p.accept()
	return p, nil
}

// Addr returns the proxy's address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Connections returns how many connections the proxy accepted so far.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// Close stops listening and cuts every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.CutAll()
	return err
}

// CutAll cuts every open connection now.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	conns := make([]*pair, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.cut()
	}
}

// Throttle limits each direction of every connection, from its next read
// on, to about bytesPerSec (0: no limit), as a slow link would.
func (p *Proxy) Throttle(bytesPerSec int) {
	p.mu.Lock()
	p.rate = bytesPerSec
	p.mu.Unlock()
}

func (p *Proxy) rateLimit() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}

// Disarm drops the faults armed and not fired yet.
func (p *Proxy) Disarm() {
	p.mu.Lock()
	p.rules = nil
	p.mu.Unlock()
}

// Refuse makes the proxy close new connections at once (true) or forward
// them again (false).
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	p.refuse = on
	p.mu.Unlock()
}

// CutAfter arms a one-shot fault: the first connection whose dir stream
// carries pattern is cut after pattern and after more bytes were
// forwarded. The returned channel is closed when the cut happened.
func (p *Proxy) CutAfter(dir Direction, pattern string, after int) <-chan struct{} {
	r := &rule{dir: dir, pattern: []byte(pattern), after: after, fired: make(chan struct{})}
	p.mu.Lock()
	p.rules = append(p.rules, r)
	p.mu.Unlock()
	return r.fired
}

// StallAfter arms a one-shot fault like CutAfter, except that the
// connection is not cut: its dir stream stops (bytes are no longer
// forwarded) while the connection stays open, as with a hung server or a
// black-holed link. The returned channel is closed when the stall began.
func (p *Proxy) StallAfter(dir Direction, pattern string, after int) <-chan struct{} {
	r := &rule{dir: dir, pattern: []byte(pattern), after: after, stall: true, fired: make(chan struct{})}
	p.mu.Lock()
	p.rules = append(p.rules, r)
	p.mu.Unlock()
	return r.fired
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	p.mu.Lock()
	p.total++
	refuse := p.refuse
	p.mu.Unlock()
	if refuse {
		c.Close()
		return
	}
	s, err := net.Dial("tcp", p.upstream)
	if err != nil {
		c.Close()
		return
	}
	pr := &pair{client: c, server: s, dead: make(chan struct{})}
	p.mu.Lock()
	p.conns[pr] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.pump(pr, ToServer, s, c); done <- struct{}{} }()
	go func() { p.pump(pr, ToClient, c, s); done <- struct{}{} }()
	<-done
	pr.cut()
	<-done
	p.mu.Lock()
	delete(p.conns, pr)
	p.mu.Unlock()
}

// take returns the first armed rule for dir whose pattern occurs in
// window, with the index just past the pattern, and disarms it.
func (p *Proxy) take(dir Direction, window []byte) (*rule, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, r := range p.rules {
		if r.dir != dir {
			continue
		}
		if j := bytes.Index(window, r.pattern); j >= 0 {
			p.rules = append(p.rules[:i:i], p.rules[i+1:]...)
			return r, j + len(r.pattern)
		}
	}
	return nil, 0
}

// pump copies src to dst, applying the rules of dir.
func (p *Proxy) pump(pr *pair, dir Direction, dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	var tail []byte // end of the previous chunk, for patterns across chunks
	var armed *rule
	left := 0
	var pace pacer
	for {
		rate := p.rateLimit()
		n, err := src.Read(buf[:chunkFor(rate, len(buf))])
		pace.wait(rate, n)
		chunk := buf[:n]
		if armed == nil && n > 0 {
			window := append(tail, chunk...)
			if r, end := p.take(dir, window); r != nil {
				armed, left = r, r.after+end-len(tail)
			}
			tail = keepTail(window, 256)
		}
		if armed != nil {
			if left <= len(chunk) {
				dst.Write(chunk[:max(left, 0)])
				close(armed.fired)
				if armed.stall {
					<-pr.dead // forward nothing more until the connection goes
				}
				pr.cut()
				return
			}
			left -= len(chunk)
		}
		if _, werr := dst.Write(chunk); werr != nil {
			return
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return
			}
			return
		}
	}
}

// chunkFor is the read size at rate: small enough that pacing is smooth.
func chunkFor(rate, max int) int {
	if rate <= 0 {
		return max
	}
	return min(max, (rate+7)/8) // about 8 pauses a second
}

// pacer holds a direction to its rate: after n more bytes it sleeps until
// the bytes so far are due. The proxy simulates a link, so sleeping is
// what it is for.
type pacer struct {
	start time.Time
	sent  int64
}

func (pc *pacer) wait(rate, n int) {
	if rate <= 0 || n <= 0 {
		pc.start, pc.sent = time.Time{}, 0
		return
	}
	if pc.start.IsZero() {
		pc.start = time.Now()
	}
	pc.sent += int64(n)
	due := pc.start.Add(time.Duration(pc.sent * int64(time.Second) / int64(rate)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

func keepTail(b []byte, n int) []byte {
	if len(b) <= n {
		return append([]byte(nil), b...)
	}
	return append([]byte(nil), b[len(b)-n:]...)
}
