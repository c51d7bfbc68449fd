package maildirstore

import (
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
// used). Keywords are dropped when kw is nil or full; the second result
// reports whether kw changed.
func lettersOf(old maildir.Flags, flags store.Flags, kw *maildir.Keywords) (maildir.Flags, bool, error) {
	out := old
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
		return out, false, nil
	}
	changed := false
	for _, f := range flags {
		if f.IsSystem() || isLetterFlag(f) {
			continue
		}
		c, known := kw.Letter(string(f))
		if !known {
			var err error
			if c, err = kw.Add(string(f)); err != nil {
				return out, changed, err
			}
			changed = true
		}
		out = out.With(c)
	}
	return out, changed, nil
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
