package maildirstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/mailmsg"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// The X-Keywords field (mailmsg.KeywordsField) carries, per
// Options.Labels and Options.Keywords, a message's labels (Gmail) or its
// IMAP keywords, comma-separated, as mu, notmuch-based taggers and
// OfflineIMAP read and write it. The field is the store's metadata, not
// part of the message: sizes are the file's wire size without it (so
// they compare with the server's RFC822.SIZE), FetchBodies sends the
// file without it, and Append writes it into the delivered file. Every
// other byte of the file is the message as it came.
//
// A change of the field's items rewrites the file (rewriteKeywords): a
// copy with the new field is written in tmp/, made durable, given the old
// file's mtime and renamed over the old name, so the file keeps its
// unique name, its flags and its INTERNALDATE, and a crash leaves either
// the old or the new file, whole. A file edited by a mail reader or a
// script (a new mtime) whose size without the field is the one indexed
// is such a change too, not a new message (see findEdited).

// headerItems reports whether X-Keywords carries anything.
func (s *Store) headerItems() bool {
	return s.opts.Labels || s.opts.Keywords == KeywordsHeader
}

// keywordFile is what the X-Keywords field of a file says.
type keywordFile struct {
	items []string // the field's items, decoded
	wire  int64    // the file's wire size without the field (and X-TUID)
	tuid  int64    // the wire size of its X-TUID fields
}

// readKeywordFile reads the X-Keywords items of the file at path and its
// wire size without the field (and without X-TUID, see tuid.go). A file whose header cannot be read (too
// long, binary) has no items and its full wire size.
func readKeywordFile(path string) (keywordFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return keywordFile{}, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	h, err := mailmsg.ReadHeaderLimit(br, maxHeaderBytes)
	if err != nil {
		n, err := wireSizeOf(path)
		return keywordFile{wire: n}, err
	}
	kf := keywordFile{items: h.Keywords()}
	h.Remove(mailmsg.KeywordsField)
	kf.tuid = h.WireSize(mailmsg.TUIDField)
	h.Remove(mailmsg.TUIDField)
	wc := &wireCounter{r: io.MultiReader(strings.NewReader(string(h.Bytes())), br)}
	if _, err := io.Copy(io.Discard, wc); err != nil {
		return keywordFile{}, err
	}
	kf.wire = wc.n
	return kf, nil
}

// withKeywords returns the wire message r with an X-Keywords field
// holding items (none: no field).
func withKeywords(r io.Reader, items []string) (io.Reader, error) {
	return mailmsg.RewriteReader(r, func(h *mailmsg.Header) error { return h.SetKeywords(items) })
}

// appendItems are the X-Keywords items a new message gets.
func (s *Store) appendItems(nm store.NewMessage) []string {
	if s.opts.Labels {
		return nm.Labels
	}
	if s.opts.Keywords == KeywordsHeader {
		return keywordItems(nm.Flags)
	}
	return nil
}

// keywordItems returns the keywords of fs (neither system flags nor flags
// an info letter carries).
func keywordItems(fs store.Flags) []string {
	var out []string
	for _, f := range fs {
		if !f.IsSystem() && !isLetterFlag(f) {
			out = append(out, string(f))
		}
	}
	return out
}

// itemChange is the change of X-Keywords items a FlagChange asks for.
func (s *Store) itemChange(ch store.FlagChange) (add, remove []string) {
	if s.opts.Labels {
		return ch.AddLabels, ch.RemoveLabels
	}
	if s.opts.Keywords == KeywordsHeader {
		return keywordItems(ch.Add), keywordItems(ch.Remove)
	}
	return nil, nil
}

// applyItems returns items with add added and remove removed, compared
// without regard to case (as labels and keywords are), in their order.
func applyItems(items, add, remove []string) []string {
	has := func(list []string, x string) bool {
		return slices.ContainsFunc(list, func(y string) bool { return strings.EqualFold(x, y) })
	}
	var out []string
	for _, it := range items {
		if !has(remove, it) && !has(out, it) {
			out = append(out, it)
		}
	}
	for _, it := range add {
		if !has(remove, it) && !has(out, it) {
			out = append(out, it)
		}
	}
	return out
}

// sameItems reports whether a and b hold the same items, ignoring case
// and order.
func sameItems(a, b []string) bool {
	return len(applyItems(a, nil, b)) == 0 && len(applyItems(b, nil, a)) == 0
}

// withItems adds a listed message's X-Keywords items: as labels, or as
// keywords besides the flags its letters give.
func (s *Store) withItems(msg *store.Message, items []string) {
	if s.opts.Labels {
		msg.Labels = items
		return
	}
	fs := make([]store.Flag, len(items))
	for i, it := range items {
		fs[i] = store.Flag(it)
	}
	msg.Flags = msg.Flags.Union(store.NewFlags(fs...))
}

// rewriteKeywords gives the file e of the folder the X-Keywords items
// add and remove ask for, and returns the items it has now. The file is
// replaced under its own name by a complete copy (see the comment at the
// top of this file); a file whose items already match is left alone.
func (m *Mailbox) rewriteKeywords(ctx context.Context, e maildir.Entry, add, remove []string) ([]string, error) {
	path := e.Path(m.folder)
	kf, err := readKeywordFile(path)
	if err != nil {
		return nil, err
	}
	items := applyItems(kf.items, add, remove)
	if sameItems(items, kf.items) {
		return kf.items, nil
	}
	return items, m.replaceFile(ctx, path, func(r io.Reader) (io.Reader, error) {
		return mailmsg.RewriteReader(r, func(h *mailmsg.Header) error { return h.SetKeywords(items) })
	})
}

// replaceFile writes edit(old content) to a new file in tmp/, fsyncs it,
// gives it the old file's mtime and permissions and renames it over path,
// then fsyncs the directory.
func (m *Mailbox) replaceFile(ctx context.Context, path string, edit func(io.Reader) (io.Reader, error)) error {
	old, err := os.Open(path)
	if err != nil {
		return err
	}
	defer old.Close()
	st, err := old.Stat()
	if err != nil {
		return err
	}
	r, err := edit(old)
	if err != nil {
		return err
	}
	tmp := filepath.Join(m.folder.Path(), maildir.SubTmp, m.s.namer.Next())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if err := writeSynced(ctx, f, r); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chtimes(tmp, st.ModTime(), st.ModTime()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// writeSynced copies r into f, fsyncs and closes it.
func writeSynced(ctx context.Context, f *os.File, r io.Reader) error {
	if err := ctx.Err(); err != nil {
		f.Close()
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// updateItems applies the X-Keywords part of ch to the messages of uids
// (the caller holds m.lock) and returns the UIDs whose file is gone (a
// conflict, as in UpdateFlags).
func (m *Mailbox) updateItems(ctx context.Context, ch store.FlagChange) (gone []store.UID, err error) {
	add, remove := m.s.itemChange(ch)
	if len(add)+len(remove) == 0 {
		return nil, nil
	}
	for _, uid := range ch.UIDs {
		_, e, err := m.locate(ctx, uid)
		if err == nil {
			_, err = m.rewriteKeywords(ctx, e, add, remove)
		}
		if errors.Is(err, errVanished) || errors.Is(err, os.ErrNotExist) {
			gone = append(gone, uid)
			continue
		}
		if err != nil {
			return nil, m.errUID("store keywords", uid, fmt.Errorf("rewrite X-Keywords: %w", err))
		}
	}
	return gone, nil
}

// relabeled reports whether the known file e (unique name u), whose
// mtime is not the indexed one, only had its X-Keywords field changed:
// its wire size without the field is the indexed size. Such a file stays
// the same message; the scan records its new mtime and stamps it as
// changed.
func (m *Mailbox) relabeled(ctx context.Context, u string, e maildir.Entry) (bool, error) {
	if !m.s.headerItems() {
		return false, nil
	}
	var msg statedb.NearMessage
	var found bool
	if err := m.s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		var err error
		msg, found, err = tx.NearMessageByUniqueName(u)
		return err
	}); err != nil || !found || msg.Size <= 0 {
		return false, err
	}
	kf, err := readKeywordFile(e.Path(m.folder))
	if err != nil {
		return false, err
	}
	// An index written before X-TUID was left out of sizes holds the
	// size with it.
	return kf.wire == msg.Size || (kf.tuid > 0 && kf.wire+kf.tuid == msg.Size), nil
}
