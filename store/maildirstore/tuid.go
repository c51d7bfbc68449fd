package maildirstore

import (
	"bufio"
	"bytes"
	"io"

	"github.com/imapdir/imapdir/mailmsg"
)

// The X-TUID field (mailmsg.TUIDField) is mbsync's bookkeeping, not part
// of the message: the server's copy has no such field. This store treats
// it as file metadata, always: a file's size is its wire size without
// X-TUID fields (so that it compares with the server's RFC822.SIZE and a
// Maildir mbsync left behind pairs with the server by identity),
// FetchBodies sends the file without them (an upload never carries
// mbsync's field to the server) and Append delivers a message without
// them. The header hash (mailmsg.HeaderHash) already leaves the field out.

// fileFields returns r (a file) as the message it holds: without its
// X-TUID fields and, when keywords is set, without its X-Keywords field;
// tuid is the wire size of the X-TUID fields dropped. A file whose header
// block cannot be read (too long, binary) is returned whole: it has no
// fields to drop.
func fileFields(r io.Reader, keywords bool) (msg io.Reader, tuid int64) {
	return dropFields(r, true, keywords)
}

// dropFields returns r without its X-TUID fields when tuidToo is set,
// without X-Keywords when keywords is set, and the wire size of the X-TUID
// fields dropped.
func dropFields(r io.Reader, tuidToo, keywords bool) (msg io.Reader, tuid int64) {
	var seen bytes.Buffer
	tee := &switchTee{r: r, w: &seen}
	br := bufio.NewReaderSize(tee, 64<<10)
	h, err := mailmsg.ReadHeaderLimit(br, maxHeaderBytes)
	tee.w = nil
	if err != nil {
		return io.MultiReader(bytes.NewReader(seen.Bytes()), r), 0
	}
	n := 0
	if tuidToo {
		tuid = h.WireSize(mailmsg.TUIDField)
		n += h.Remove(mailmsg.TUIDField)
	}
	if keywords {
		n += h.Remove(mailmsg.KeywordsField)
	}
	if n == 0 {
		return io.MultiReader(bytes.NewReader(seen.Bytes()), r), 0
	}
	return io.MultiReader(bytes.NewReader(h.Bytes()), br), tuid
}

// switchTee copies what it reads from r to w while w is not nil.
type switchTee struct {
	r io.Reader
	w *bytes.Buffer
}

func (t *switchTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.w != nil && n > 0 {
		t.w.Write(p[:n])
	}
	return n, err
}

// fileWireSize returns the wire size of r (a file) as the message it
// holds (fileFields: without X-TUID and, when keywords is set, without
// X-Keywords).
func fileWireSize(r io.Reader, keywords bool) (int64, error) {
	msg, _ := fileFields(r, keywords)
	wc := &wireCounter{r: msg}
	_, err := io.Copy(io.Discard, wc)
	return wc.n, err
}
