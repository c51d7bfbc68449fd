package maildirstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

var _ store.Linker = (*Mailbox)(nil)

// AppendLink adds the file of message srcUID of folder src to this folder
// under a fresh unique name with m's flags (in new/ where Append would
// deliver it there): a hard link (the same inode,
// no byte copied), or a copy of the file where the file system refuses
// the link (another device, no link support). The file's content, mtime
// and X-Keywords field are the source's. As with Append, the message is
// durable and its UID recorded at Flush.
func (m *Mailbox) AppendLink(ctx context.Context, src string, srcUID store.UID, nm store.NewMessage) (store.UID, error) {
	if m.closed {
		return 0, m.err("link", errors.New("mailbox is closed"))
	}
	srcPath, size, err := m.s.indexedPath(ctx, src, srcUID)
	if err != nil {
		return 0, m.err("link", err)
	}
	m.lock.Lock()
	defer m.lock.Unlock()
	m.scanned = false
	kw, err := m.keywords()
	if err != nil {
		return 0, m.err("link", err)
	}
	letters, kwChanged, unlettered, err := lettersOf(maildir.Flags{}, nm.Flags, kw)
	if err != nil {
		return 0, m.err("link", err)
	}
	if kwChanged {
		if err := m.folder.WriteKeywords(kw); err != nil {
			return 0, m.err("link", err)
		}
	}
	unique := m.s.namer.Next()
	// Named and placed as Append delivers: unseen into new/ (with its
	// info only when it has flags), else cur/.
	n := maildir.Name{Unique: unique}
	e := maildir.Entry{Subdir: maildir.SubCur}
	if m.s.opts.NewForUnseen && !letters.Has(maildir.FlagSeen) {
		e.Subdir = maildir.SubNew
	}
	if e.Subdir == maildir.SubCur || !letters.IsEmpty() {
		n = n.WithFlags(letters)
	}
	e.File, e.Name = n.String(), n
	dst := e.Path(m.folder)
	if err := linkOrCopy(ctx, srcPath, dst); err != nil {
		return 0, m.err("link", err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		return 0, m.err("link", err)
	}
	flags, err := flagSet(flagsOf(letters, kw).Union(unlettered))
	if err != nil {
		os.Remove(dst)
		return 0, m.err("link", err)
	}
	uid := m.status.UIDNext + store.UID(len(m.pending))
	m.pending = append(m.pending, pendingAppend{entry: e, uid: uid, msg: statedb.NearMessage{
		Mailbox: m.id, UniqueName: unique, Subdir: e.Subdir, FileName: e.File,
		Flags: flags, Size: size, MTime: st.ModTime(), ChangedGen: m.gen}})
	return uid, syncDir(filepath.Dir(dst))
}

// indexedPath returns the path of the file of message uid of folder name
// as the index has it, and its indexed (wire) size.
func (s *Store) indexedPath(ctx context.Context, name string, uid store.UID) (string, int64, error) {
	var nm statedb.NearMessage
	err := s.opts.DB.View(ctx, func(tx *statedb.Tx) error {
		mb, found, err := tx.NearMailboxByName(name)
		if err != nil || !found {
			return errors.Join(err, fmt.Errorf("folder %q not indexed", name))
		}
		var ok bool
		nm, ok, err = tx.NearMessageByUID(mb.ID, uint32(uid))
		if err == nil && !ok {
			err = fmt.Errorf("folder %q has no UID %d", name, uid)
		}
		return err
	})
	if err != nil {
		return "", 0, err
	}
	f, err := s.opts.Layout.Open(s.opts.Root, name)
	if err != nil {
		return "", 0, err
	}
	return maildir.Entry{Subdir: nm.Subdir, File: nm.FileName}.Path(f), nm.Size, nil
}

// linkOrCopy makes dst another name of src, or a durable copy of it
// (same mtime) where the file system refuses hard links.
func linkOrCopy(ctx context.Context, src, dst string) error {
	err := os.Link(src, dst)
	if err == nil || errors.Is(err, os.ErrExist) || errors.Is(err, os.ErrNotExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(filepath.Dir(dst)), maildir.SubTmp, filepath.Base(dst))
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := writeSynced(ctx, out, in); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chtimes(tmp, st.ModTime(), st.ModTime()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
