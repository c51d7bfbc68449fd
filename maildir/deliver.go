package maildir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// DeliverOptions says how to store one message.
type DeliverOptions struct {
	// Flags are the flag letters for the ":2," info; the message goes to
	// cur/ with them (an empty set still gets ":2,").
	Flags Flags
	// New delivers into new/, where mail readers show it as new (recent)
	// mail: with no info when Flags is empty, else with the ":2," info
	// (an unseen message flagged on the server, as mbsync and Dovecot
	// deliver it).
	New bool
	// ModTime, when not zero, becomes the file's mtime: the sync stores the
	// IMAP INTERNALDATE there (mu, notmuch and Dovecot read it).
	ModTime time.Time
	// ToLF converts CRLF line endings to LF while writing (see
	// NewToLFReader).
	ToLF bool
	// SizeInName adds ",S=<bytes written>" to the name, as Dovecot does,
	// so that Scan learns the size without a stat.
	SizeInName bool
	// VirtualSizeInName adds Dovecot's ",W=<size with CRLF line endings>",
	// which is the RFC822.SIZE an IMAP server reports for the message
	// (RFC 9051 §7.5.2), so a sync can compare sizes with the server's
	// without reading the file.
	VirtualSizeInName bool
}

// Entry is one message file of a folder, as Scan or a delivery reports it.
type Entry struct {
	// Subdir is SubNew or SubCur.
	Subdir string
	// File is the file name inside Subdir.
	File string
	// Name is File parsed (its parts are substrings of File).
	Name Name
	// Size is the file size in bytes, or -1 when unknown (no ",S=" field
	// and no stat asked).
	Size int64
	// ModTime is the file's mtime when known (stat asked, or delivered:
	// the mtime the file got); zero otherwise.
	ModTime time.Time
	// Ino is the file's inode number as the directory listing gave it
	// (Scan, on Linux), 0 when unknown. A file replaced under the same
	// name (an editor saving by rename) gets another one.
	Ino uint64
}

// Flags returns the flag letters of the entry's name.
func (e Entry) Flags() Flags { return e.Name.Flags() }

// Path returns the entry's path in folder f.
func (e Entry) Path(f *Folder) string { return filepath.Join(f.path, e.Subdir, e.File) }

func newEntry(subdir, file string, size int64, mtime time.Time) Entry {
	return Entry{Subdir: subdir, File: file, Name: ParseName(file), Size: size, ModTime: mtime}
}

// staged is a message written to tmp/ and not yet renamed into place.
type staged struct {
	folder  *Folder
	tmpPath string
	entry   Entry // where it goes
}

func (s *staged) finalPath() string { return s.entry.Path(s.folder) }

// errHook marks an error returned by the step hook: a simulated crash,
// after which nothing may be cleaned up.
type errHook struct{ err error }

func (e *errHook) Error() string { return "maildir: step hook: " + e.err.Error() }
func (e *errHook) Unwrap() error { return e.err }

func (f *Folder) step(s Step, path string) error {
	if f.hook == nil {
		return nil
	}
	if err := f.hook(s, path); err != nil {
		return &errHook{err}
	}
	return nil
}

// Deliver stores one message read from r and makes it durable before it
// returns: it writes a new file in tmp/ (O_EXCL), sets its mtime, fsyncs
// it, renames it into cur/ (or new/) without replacing any file, and
// fsyncs that directory. On error nothing is left in new/ or cur/, and the
// tmp/ file is removed (except after a step-hook error, which simulates a
// crash). Canceling ctx stops the copy.
func (f *Folder) Deliver(ctx context.Context, r io.Reader, opts DeliverOptions) (Entry, error) {
	s, file, err := f.writeTmp(ctx, r, opts)
	if err != nil {
		return Entry{}, err
	}
	if err := file.Sync(); err != nil {
		file.Close()
		os.Remove(s.tmpPath)
		return Entry{}, fmt.Errorf("maildir: fsync %s: %w", s.tmpPath, err)
	}
	if err := file.Close(); err != nil {
		os.Remove(s.tmpPath)
		return Entry{}, fmt.Errorf("maildir: close %s: %w", s.tmpPath, err)
	}
	if err := f.step(StepSynced, s.tmpPath); err != nil {
		return Entry{}, err
	}
	if err := s.rename(); err != nil {
		return Entry{}, err
	}
	dir := filepath.Join(f.path, s.entry.Subdir)
	if err := syncDir(dir); err != nil {
		return Entry{}, fmt.Errorf("maildir: deliver %s: %w", s.finalPath(), err)
	}
	if err := f.step(StepDirSynced, dir); err != nil {
		return Entry{}, err
	}
	return s.entry, nil
}

// rename moves a staged file into place, never replacing a file. On a
// failure other than a hook error the tmp/ file is removed.
func (s *staged) rename() error {
	dst := s.finalPath()
	if err := renameNoReplace(s.tmpPath, dst); err != nil {
		os.Remove(s.tmpPath)
		return fmt.Errorf("maildir: rename %s to %s: %w", s.tmpPath, dst, err)
	}
	return s.folder.step(StepRenamed, dst)
}

// writeTmp creates a file in tmp/, copies the message into it and sets its
// mtime. It returns the open file, not yet synced.
func (f *Folder) writeTmp(ctx context.Context, r io.Reader, opts DeliverOptions) (*staged, *os.File, error) {
	unique := f.namer.Next()
	tmpPath := filepath.Join(f.path, SubTmp, unique)
	file, err := os.OpenFile(tmpPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("maildir: deliver: %w", err)
	}
	cw := &countWriter{w: file}
	err = copyMessage(ctx, cw, r, opts.ToLF)
	if err == nil && !opts.ModTime.IsZero() {
		err = os.Chtimes(tmpPath, opts.ModTime, opts.ModTime)
	}
	if err != nil {
		file.Close()
		os.Remove(tmpPath)
		return nil, nil, fmt.Errorf("maildir: deliver to %s: %w", tmpPath, err)
	}
	// The mtime the file really has (the file system may clamp or round
	// the one asked for): a sync compares it later to tell a file edited
	// in place.
	st, err := file.Stat()
	if err != nil {
		file.Close()
		os.Remove(tmpPath)
		return nil, nil, fmt.Errorf("maildir: deliver to %s: %w", tmpPath, err)
	}
	s := &staged{folder: f, tmpPath: tmpPath, entry: finalEntry(unique, cw, opts, st.ModTime())}
	if err := f.step(StepWritten, tmpPath); err != nil {
		file.Close()
		return nil, nil, err
	}
	return s, file, nil
}

// finalEntry names a delivered message.
func finalEntry(unique string, cw *countWriter, opts DeliverOptions, mtime time.Time) Entry {
	n := Name{Unique: unique}
	if opts.SizeInName {
		n = n.WithField("S", strconv.FormatInt(cw.n, 10))
	}
	if opts.VirtualSizeInName {
		n = n.WithField("W", strconv.FormatInt(cw.n+cw.bareLF, 10))
	}
	sub := SubNew
	if !opts.New {
		sub = SubCur
	}
	if !opts.New || !opts.Flags.IsEmpty() {
		n = n.WithFlags(opts.Flags)
	}
	return newEntry(sub, n.String(), cw.n, mtime)
}

// countWriter counts the bytes written and the LFs not preceded by CR
// (each would become two bytes with CRLF line endings).
type countWriter struct {
	w      io.Writer
	n      int64
	bareLF int64
	prevCR bool
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	p = p[:n]
	c.n += int64(n)
	for rest, prevCR := p, c.prevCR; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		if (i == 0 && !prevCR) || (i > 0 && rest[i-1] != '\r') {
			c.bareLF++
		}
		rest, prevCR = rest[i+1:], false
	}
	if n > 0 {
		c.prevCR = p[n-1] == '\r'
	}
	return n, err
}

// copyBufs holds the copy and conversion buffers of deliveries: a sync
// delivers thousands of messages, and fresh buffers for each cost about
// 100 KB of garbage per message.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, convBufSize); return &b }}

// copyMessage copies r to w, converting CRLF to LF if asked and stopping
// when ctx is done.
func copyMessage(ctx context.Context, w io.Writer, r io.Reader, toLF bool) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	src := io.Reader(ctxReader{ctx, r})
	if !toLF {
		_, err := io.CopyBuffer(onlyWriter{w}, src, *bp)
		return err
	}
	cp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(cp)
	lw := &ToLFWriter{w: w, buf: (*cp)[:0]}
	if _, err := io.CopyBuffer(onlyWriter{lw}, src, *bp); err != nil {
		return err
	}
	return lw.Close()
}

// ctxReader fails reads once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// onlyWriter hides ReadFrom so io.CopyBuffer uses our buffer and reader
// chain instead of a sendfile path that would bypass the conversion.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// isHookErr reports whether err came from the step hook.
func isHookErr(err error) bool {
	var h *errHook
	return errors.As(err, &h)
}
