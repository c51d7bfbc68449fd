package maildirstore

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

var _ store.Skipper = (*Store)(nil)

// SkippedMailboxes implements store.Skipper: the folders holding mail
// that the latest ListMailboxes left out because the layout gives no
// name for their directory (fs: "pct%", which it spells "pct%25", or the
// hidden ".dot"). Empty ones are left out silently: nothing is lost.
func (s *Store) SkippedMailboxes() []store.SkippedMailbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.skipped)
}

// unmappedWithMail returns, for each of dirs holding mail, why it is not
// synchronized.
func (s *Store) unmappedWithMail(dirs []string) []store.SkippedMailbox {
	var out []store.SkippedMailbox
	for _, dir := range dirs {
		if !holdsMail(dir) {
			continue
		}
		rel, err := filepath.Rel(s.opts.Root, dir)
		if err != nil {
			rel = dir
		}
		hint := "rename it to the layout's spelling of its mailbox name"
		if p, err := s.opts.Layout.Path(s.opts.Root, filepath.ToSlash(rel)); err == nil && p != dir {
			hint = "the folder of mailbox \"" + filepath.ToSlash(rel) + "\" is " + p + ": move its mail there"
		}
		out = append(out, store.SkippedMailbox{Name: rel, Reason: "local folder " + dir +
			" holds mail, but layout \"" + s.opts.Layout.String() + "\" names no folder so (" + hint + ")"})
	}
	return out
}

// holdsMail reports whether the folder dir has a file in new/ or cur/
// (or cannot be read, which is no proof it is empty).
func holdsMail(dir string) bool {
	for _, sub := range []string{maildir.SubNew, maildir.SubCur} {
		f, err := os.Open(filepath.Join(dir, sub))
		if err != nil {
			return true
		}
		_, err = f.Readdirnames(1)
		f.Close()
		if !errors.Is(err, io.EOF) {
			return true
		}
	}
	return false
}
