// Command latencyproxy forwards TCP connections on loopback, adding a
// fixed round-trip delay and a bandwidth cap, and counting the bytes each
// way: the "slow link" of bench/scenarios.sh.
//
//	latencyproxy -listen 127.0.0.1:0 -to 127.0.0.1:993 -rtt 25ms -rate 100 -addr-file F -count-file C
//
// Each direction delays every chunk it reads by half the RTT (so a request
// and its answer take one RTT more) and paces the bytes at -rate Mbit/s.
// The proxy listens and connects on loopback only. It prints nothing; on
// SIGTERM or SIGINT it writes "up DOWN" (bytes client→server and
// server→client) to -count-file and exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	to := flag.String("to", "", "loopback address to forward to (required)")
	rtt := flag.Duration("rtt", 25*time.Millisecond, "round-trip time to add")
	rate := flag.Float64("rate", 100, "bandwidth cap per direction in Mbit/s (0: none)")
	addrFile := flag.String("addr-file", "", "file to write the listening address to")
	countFile := flag.String("count-file", "", "file to write the byte counts to on exit")
	flag.Parse()
	if err := run(*listen, *to, *rtt, *rate, *addrFile, *countFile); err != nil {
		fmt.Fprintln(os.Stderr, "latencyproxy:", err)
		os.Exit(1)
	}
}

func run(listen, to string, rtt time.Duration, rate float64, addrFile, countFile string) error {
	if err := loopback(listen); err != nil {
		return err
	}
	if err := loopback(to); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
			return err
		}
	}
	p := &proxy{to: to, delay: rtt / 2, rate: rate * 1e6 / 8}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
		go p.serve(c)
	}
	if countFile != "" {
		return os.WriteFile(countFile, fmt.Appendf(nil, "%d %d\n", p.up.Load(), p.down.Load()), 0o600)
	}
	return nil
}

// loopback refuses an address that is not on loopback.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	return nil
}

type proxy struct {
	to       string
	delay    time.Duration
	rate     float64 // bytes per second; 0: no cap
	up, down atomic.Int64
}

// serve forwards one connection both ways.
func (p *proxy) serve(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.to)
	if err != nil {
		return
	}
	defer s.Close()
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(s, c, &p.up) })
	wg.Go(func() { p.pipe(c, s, &p.down) })
	wg.Wait()
}

// chunk is data read at a time, to be written once its delay passed.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst: a reader stamps each chunk with its due time
// (now + delay), a writer sends it then, paced at the rate. The queue
// between them is the bytes in flight on the simulated link.
func (p *proxy) pipe(dst, src net.Conn, n *atomic.Int64) {
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			k, err := src.Read(b)
			if k > 0 {
				q <- chunk{b: b[:k], due: time.Now().Add(p.delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	var next time.Time // when the link is free again (rate cap)
	for ch := range q {
		at := ch.due
		if next.After(at) {
			at = next
		}
		time.Sleep(time.Until(at))
		if p.rate > 0 {
			next = at.Add(time.Duration(float64(len(ch.b)) / p.rate * float64(time.Second)))
		}
		if _, err := dst.Write(ch.b); err != nil {
			break
		}
		n.Add(int64(len(ch.b)))
	}
	for range q { // let the reader finish
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	src.Close()
}
