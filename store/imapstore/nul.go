package imapstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// A server that stores NUL bytes (Dovecot, when a message was appended as
// a literal8, RFC 3516) cannot send them in BODY[]: Dovecot sends 0x80 in
// their place. BINARY[] (RFC 3516 §4.2) sends the NULs, but decodes every
// base64 or quoted-printable part and rewrites its
// Content-Transfer-Encoding header to "binary", so it is not the stored
// message either. So where the server offers BINARY, a body whose BODY[]
// holds a 0x80 byte is held back until the BODY[] fetch ended, fetched
// again with BINARY.PEEK[], and the two are merged by exactBody: each
// 0x80 of BODY[] becomes the NUL BINARY[] has at that place. A message
// whose two forms cannot be lined up is refused with the reason, never
// stored altered. A body without 0x80 held no NUL and is handed on as
// it came.

// nulGuard wraps the fn of FetchBodies: it spools each body, hands on
// those without a 0x80 byte and holds the others for finish. Held bodies
// stay in memory up to limit bytes in all, the rest go to one spool file.
type nulGuard struct {
	m        *Mailbox
	fn       func(store.Message, io.Reader) error
	limit    int64
	held     []heldBody
	heldMem  int64
	heldFile *os.File
	heldEnd  int64
}

// heldBody is a BODY[] with a 0x80 byte, in memory or at off in heldFile.
type heldBody struct {
	msg  store.Message
	mem  []byte
	off  int64
	size int64
}

func (g *nulGuard) deliver(msg store.Message, r io.Reader) error {
	sp, err := g.spoolAll(r)
	if err != nil {
		return err
	}
	defer sp.release()
	if !sp.has(0x80) {
		return g.fn(msg, sp.reader())
	}
	return g.hold(msg, sp)
}

// hold keeps sp for finish.
func (g *nulGuard) hold(msg store.Message, sp *spooled) error {
	if sp.file == nil && g.heldMem+sp.size <= g.limit {
		g.heldMem += sp.size
		g.held = append(g.held, heldBody{msg: msg, mem: sp.mem, size: sp.size})
		return nil
	}
	if g.heldFile == nil {
		f, err := createSpool(g.m.s.opts.SpoolDir)
		if err != nil {
			return fmt.Errorf("imapstore: spooling a body: %w", err)
		}
		g.heldFile = f
	}
	n, err := io.Copy(io.NewOffsetWriter(g.heldFile, g.heldEnd), sp.reader())
	if err != nil {
		return spoolErr("spooling a body to", g.heldFile, err)
	}
	g.held = append(g.held, heldBody{msg: msg, off: g.heldEnd, size: n})
	g.heldEnd += n
	return nil
}

// spoolAll reads r to its end into memory, or into a spool file past limit.
func (g *nulGuard) spoolAll(r io.Reader) (*spooled, error) {
	buf, err := io.ReadAll(io.LimitReader(r, g.limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(buf)) <= g.limit {
		return &spooled{mem: buf, size: int64(len(buf))}, nil
	}
	f, err := createSpool(g.m.s.opts.SpoolDir)
	if err != nil {
		return nil, fmt.Errorf("imapstore: spooling a body: %w", err)
	}
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(buf), r))
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, spoolErr("spooling a body to", f, err)
	}
	return &spooled{file: f, size: n}, nil
}

// has reports whether the body holds byte c.
func (sp *spooled) has(c byte) bool {
	if sp.file == nil {
		return bytes.IndexByte(sp.mem, c) >= 0
	}
	buf := make([]byte, 64<<10)
	r := sp.reader()
	for {
		n, err := r.Read(buf)
		if bytes.IndexByte(buf[:n], c) >= 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// finish fetches the held bodies again with BINARY.PEEK[] and hands each
// on, merged, in the order they came.
func (g *nulGuard) finish(ctx context.Context) error {
	defer g.release()
	for _, h := range g.held {
		if err := g.resolve(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// release drops the held bodies and removes their spool file.
func (g *nulGuard) release() {
	g.held = nil
	if g.heldFile != nil {
		g.heldFile.Close()
		os.Remove(g.heldFile.Name())
		g.heldFile = nil
	}
}

// resolve fetches one held body's BINARY[] and hands fn the merged body,
// or a reader that fails with a message-scoped refusal when the two
// forms cannot be lined up.
func (g *nulGuard) resolve(ctx context.Context, h heldBody) error {
	body := h.mem
	if body == nil {
		body = make([]byte, h.size)
		if _, err := g.heldFile.ReadAt(body, h.off); err != nil {
			return spoolErr("reading a body back from", g.heldFile, err)
		}
	}
	uid := h.msg.UID
	var bin []byte
	got := false
	bound := 2*int64(len(body)) + bodySlack
	opts := &imapclient.FetchOptions{
		Body: func(info imapclient.BodyInfo, r io.Reader) (any, error) {
			if info.Item != "BINARY[]" || (info.UID != 0 && store.UID(info.UID) != uid) {
				return nil, nil
			}
			if err := checkLiteral(info, bound); err != nil {
				return nil, err
			}
			bin = make([]byte, info.Size)
			_, err := io.ReadFull(r, bin)
			got = err == nil
			return nil, err
		},
	}
	items := []imap.Value{imap.Raw("UID"), imap.Raw("BINARY.PEEK[]")}
	if _, err := g.m.cn.c.UIDFetch(ctx, imap.UIDSetOf(imap.UID(uid)), items, opts); err != nil {
		return err
	}
	if !got {
		return nil // expunged since: skipped as FetchBodies skips a vanished UID
	}
	exact, ok := exactBody(body, bin)
	if !ok {
		return deliverBody(g.fn, h.msg, errReader{store.Errorf(store.ScopeMessage, false, "fetch", g.m.name, uid,
			"UID %d may hold NUL bytes, which this server sends only in a decoded form (BINARY[], RFC 3516) that cannot be lined up with the stored message: not stored", uid)})
	}
	return deliverBody(g.fn, h.msg, bytes.NewReader(exact))
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// exactBody merges a message's BODY[] (body, a NUL sent as 0x80) with its
// BINARY[] (bin, NULs intact, encoded parts decoded): the bytes they share
// from the start and from the end are taken from bin, with each 0x80 of
// body matched by a NUL of bin; what lies between is taken from body. It
// fails when that middle holds a 0x80 in body while bin's middle holds a
// NUL: that 0x80 may have been a NUL. The result has body's length.
func exactBody(body, bin []byte) ([]byte, bool) {
	same := func(a, b byte) bool { return a == b || a == 0x80 && b == 0 }
	n := min(len(body), len(bin))
	p := 0
	for p < n && same(body[p], bin[p]) {
		p++
	}
	s := 0
	for s < n-p && same(body[len(body)-1-s], bin[len(bin)-1-s]) {
		s++
	}
	midBody, midBin := body[p:len(body)-s], bin[p:len(bin)-s]
	if bytes.IndexByte(midBody, 0x80) >= 0 && bytes.IndexByte(midBin, 0) >= 0 {
		return nil, false
	}
	out := make([]byte, 0, len(body))
	out = append(out, bin[:p]...)
	out = append(out, midBody...)
	return append(out, bin[len(bin)-s:]...), true
}
