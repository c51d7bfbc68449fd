package imapclient

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// watchStall closes the connection when a command other than IDLE has
// waited longer than limit while the server sent nothing (Options.
// StallTimeout). It ends with the connection.
func (c *Client) watchStall(limit time.Duration) {
	t := time.NewTicker(max(limit/4, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return
		case now := <-t.C:
			if c.stalled(now, limit) {
				err := &ConnError{Op: "timeout", Err: fmt.Errorf("no data from the server for %v while a command waited", limit)}
				c.closeWith(err)
				return
			}
		}
	}
}

// progressWriter notes when bytes last left for the server: a command
// whose upload still moves (a large APPEND on a slow link, during which
// the server rightly says nothing) is not stalled.
type progressWriter struct {
	w    io.Writer
	last *atomic.Int64 // UnixNano of the last write that took bytes
}

func (p progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if n > 0 {
		p.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// stalled reports whether the oldest command waiting (IDLE excluded) was
// sent, and the last byte moved either way, more than limit before now.
func (c *Client) stalled(now time.Time, limit time.Duration) bool {
	c.mu.Lock()
	src := c.src
	var oldest time.Time
	for _, cmd := range c.inflight {
		if !cmd.idle {
			oldest = cmd.sent
			break
		}
	}
	c.mu.Unlock()
	if oldest.IsZero() || now.Sub(oldest) < limit {
		return false
	}
	last := max(src.last.Load(), c.wlast.Load())
	return now.Sub(time.Unix(0, last)) >= limit
}
