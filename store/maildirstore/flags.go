package maildirstore

import (
	"errors"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// letterFlags maps the standard Maildir info letters to IMAP flags
// (https://cr.yp.to/proto/maildir.html "info semantics"; P is $Forwarded as
// Dovecot and mbsync map it).
var letterFlags = []struct {
	letter byte
	flag   store.Flag
}{
	{maildir.FlagDraft, store.Draft},
	{maildir.FlagFlagged, store.Flagged},
	{maildir.FlagPassed, store.Forwarded},
	{maildir.FlagReplied, store.Answered},
	{maildir.FlagSeen, store.Seen},
	{maildir.FlagTrashed, store.Deleted},
}

// flagsOf returns the store flags of a file's info letters: the standard
// letters, and keyword letters a–z named in kw (when kw is not nil).
// Letters this store does not know are not reported (they are kept in the
// name on every rename).
func flagsOf(letters maildir.Flags, kw *maildir.Keywords) store.Flags {
	var fs []store.Flag
	for _, lf := range letterFlags {
		if letters.Has(lf.letter) {
			fs = append(fs, lf.flag)
		}
	}
	if kw != nil {
		for _, c := range letters.Keywords() {
			if name, ok := kw.Name(c); ok {
				fs = append(fs, store.Flag(name))
			}
		}
	}
	return store.NewFlags(fs...)
}

// lettersOf returns the info letters for flags, starting from old (whose
// unknown letters are kept). Keywords get letters from kw, assigning free
// ones (kw is then changed: the caller must write it before the letters are
// used). Keywords are dropped when kw is nil. A keyword that finds no free
// letter (all 26 are in use) is returned in unlettered: the caller keeps it
// in the index only (see fileFlags). The second result reports whether kw
// changed.
func lettersOf(old maildir.Flags, flags store.Flags, kw *maildir.Keywords) (out maildir.Flags, changed bool, unlettered store.Flags, err error) {
	out = old
	for _, lf := range letterFlags {
		out = out.Without(lf.letter)
		if flags.Has(lf.flag) {
			out = out.With(lf.letter)
		}
	}
	for _, c := range old.Keywords() {
		out = out.Without(c)
	}
	if kw == nil {
		return out, false, nil, nil
	}
	var extra []store.Flag
	for _, f := range flags {
		if f.IsSystem() || isLetterFlag(f) {
			continue
		}
		c, known := kw.Letter(string(f))
		if !known {
			c, err = kw.Add(string(f))
			if errors.Is(err, maildir.ErrKeywordsFull) {
				extra = append(extra, f)
				continue
			}
			if err != nil {
				return out, changed, nil, err
			}
			changed = true
		}
		out = out.With(c)
	}
	return out, changed, store.NewFlags(extra...), nil
}

// fileFlags returns a message's flags as its file's letters show them,
// plus the keywords the index holds for it (index) that no letter can
// show: set when the folder's 26 keyword letters were all in use, they
// live in the state database only and must not read as removed.
func fileFlags(letters maildir.Flags, kw *maildir.Keywords, index statedb.FlagSet) store.Flags {
	fs := flagsOf(letters, kw)
	if kw == nil {
		return fs
	}
	var extra []store.Flag
	for _, it := range index.Items() {
		f := store.Flag(it)
		if f.IsSystem() || isLetterFlag(f) {
			continue
		}
		if _, ok := kw.Letter(it); !ok {
			extra = append(extra, f)
		}
	}
	if len(extra) == 0 {
		return fs
	}
	return fs.Union(store.NewFlags(extra...))
}

func isLetterFlag(f store.Flag) bool {
	for _, lf := range letterFlags {
		if lf.flag.Equal(f) {
			return true
		}
	}
	return false
}

// flagSet converts store flags to the state database's text form.
func flagSet(fs store.Flags) (statedb.FlagSet, error) {
	items := make([]string, len(fs))
	for i, f := range fs {
		items[i] = string(f)
	}
	return statedb.MakeFlagSet(items...)
}

// storeFlags converts the state database's text form back.
func storeFlags(fs statedb.FlagSet) store.Flags {
	items := fs.Items()
	out := make([]store.Flag, len(items))
	for i, it := range items {
		out[i] = store.Flag(it)
	}
	return store.NewFlags(out...)
}

// warnUnlettered says once per folder that keywords are kept in the state
// database only because the folder's 26 keyword letters are all in use.
func (m *Mailbox) warnUnlettered(kws store.Flags) {
	if len(kws) == 0 {
		return
	}
	m.s.mu.Lock()
	first := !m.s.warned[m.name]
	if first {
		if m.s.warned == nil {
			m.s.warned = map[string]bool{}
		}
		m.s.warned[m.name] = true
	}
	m.s.mu.Unlock()
	if first {
		m.s.log.Warn("all 26 keyword letters of the folder are in use (dovecot-keywords); "+
			"further keywords are kept in the state database only, mail readers do not see them",
			"mailbox", m.name, "keywords", kws.String())
	}
}
