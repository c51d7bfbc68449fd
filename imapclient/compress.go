package imapclient

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// Compress turns on COMPRESS=DEFLATE (RFC 4978): after the server's OK
// both directions are raw DEFLATE streams (RFC 1951), flushed after every
// write. It must be issued while no other command is in flight (else
// ErrBusy); nothing else is sent until it completes.
func (c *Client) Compress(ctx context.Context) error {
	if !c.Caps().Has(imap.CapCompress) {
		return fmt.Errorf("imapclient: COMPRESS: server does not offer COMPRESS=DEFLATE")
	}
	cmd := newCmd(c, []imap.Value{imap.Atom("COMPRESS"), imap.Atom("DEFLATE")})
	cmd.onTagged = func(resp *imap.Response) {
		if resp.Status == imap.StatusOK {
			c.startInflate()
		}
	}
	if err := c.enter(); err != nil {
		return err
	}
	if err := c.acquire(ctx, cmd); err != nil {
		c.leave(cmd)
		return err
	}
	defer c.unlockWrite()
	c.mu.Lock()
	busy := len(c.inflight) > 0 || c.compressed
	c.mu.Unlock()
	if busy {
		c.leave(cmd)
		return fmt.Errorf("imapclient: COMPRESS: %w", ErrBusy)
	}
	if err := c.write(ctx, cmd); err != nil {
		return err
	}
	<-cmd.done // holding the write lock: nothing may follow before the OK
	if cmd.err != nil {
		return cmd.err
	}
	c.startDeflate()
	return nil
}

// startInflate runs on the reader goroutine right after the COMPRESS OK:
// whatever the reader buffered beyond it is already compressed.
func (c *Client) startInflate() {
	rest := make([]byte, c.br.Buffered())
	c.br.Read(rest)
	c.src.r = flate.NewReader(io.MultiReader(bytes.NewReader(rest), c.conn))
	c.mu.Lock()
	c.compressed = true
	c.mu.Unlock()
}

// startDeflate switches the writer; the caller holds the write lock.
func (c *Client) startDeflate() {
	w := &flushWriter{conn: progressWriter{w: c.conn, last: &c.wlast}}
	w.fw, _ = flate.NewWriter(&w.buf, flate.DefaultCompression) // error only for a bad level
	c.bw = bufio.NewWriterSize(c.trace.tap(w), 32<<10)
	c.mu.Lock()
	c.enc = imapwire.NewEncoder(c.bw, c.encoderOptions())
	c.mu.Unlock()
}

// flushWriter compresses and sync-flushes each write so that the server
// sees every command at once (RFC 4978 §4), and sends the compressed
// bytes in one write: the server may answer (and close, after LOGOUT) as
// soon as it can inflate the data, before a separate write of the flush
// marker would be made.
type flushWriter struct {
	fw   *flate.Writer
	buf  bytes.Buffer
	conn io.Writer
}

func (w *flushWriter) Write(p []byte) (int, error) {
	n, err := w.fw.Write(p)
	if err == nil {
		err = w.fw.Flush()
	}
	if err == nil {
		_, err = w.conn.Write(w.buf.Bytes())
	}
	w.buf.Reset()
	return n, err
}
