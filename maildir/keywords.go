package maildir

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// KeywordsFile is the name of Dovecot's keyword table in a folder: lines
// "<index> <keyword>", index 0 standing for flag letter 'a', 1 for 'b', up
// to 25 for 'z'.
const KeywordsFile = "dovecot-keywords"

// MaxKeywords is how many keywords fit in the letters a-z.
const MaxKeywords = 26

// ErrKeywordsFull is returned (wrapped) by Keywords.Add when all 26
// letters are taken.
var ErrKeywordsFull = errors.New("all 26 keyword letters are in use")

// Keywords maps Dovecot keyword letters ('a'..'z') to IMAP keyword names
// (RFC 9051 §2.3.2) and back. Names compare exactly (case-sensitively), as
// they are stored. The zero value is an empty table.
type Keywords struct {
	names [MaxKeywords]string
}

// ReadKeywords reads the folder's dovecot-keywords file. A missing file is
// an empty table. Lines that do not parse (bad index, empty name) are
// skipped: Dovecot rewrites the file and ignores them too.
func (f *Folder) ReadKeywords() (*Keywords, error) {
	p := filepath.Join(f.path, KeywordsFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &Keywords{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("maildir: read keywords: %w", err)
	}
	return ParseKeywords(data), nil
}

// ParseKeywords parses the contents of a dovecot-keywords file (see
// Folder.ReadKeywords for the leniency rules).
func ParseKeywords(data []byte) *Keywords {
	k := &Keywords{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		idx, name, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), " ")
		if !ok || name == "" {
			continue
		}
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= MaxKeywords {
			continue
		}
		k.names[i] = name
	}
	return k
}

// Name returns the keyword for letter c ('a'..'z') and whether it is set.
func (k *Keywords) Name(c byte) (string, bool) {
	if c < 'a' || c > 'z' || k.names[c-'a'] == "" {
		return "", false
	}
	return k.names[c-'a'], true
}

// Letter returns the letter assigned to keyword name and whether there is
// one.
func (k *Keywords) Letter(name string) (byte, bool) {
	for i, n := range k.names {
		if n != "" && n == name {
			return byte('a' + i), true
		}
	}
	return 0, false
}

// Add returns the letter of keyword name, assigning the first free letter
// if it has none. Names containing space, control characters or IMAP
// specials cannot be keywords (RFC 9051 §9, flag-keyword = atom).
func (k *Keywords) Add(name string) (byte, error) {
	if c, ok := k.Letter(name); ok {
		return c, nil
	}
	if !validKeyword(name) {
		return 0, fmt.Errorf("maildir: invalid keyword %q", name)
	}
	for i, n := range k.names {
		if n == "" {
			k.names[i] = name
			return byte('a' + i), nil
		}
	}
	return 0, fmt.Errorf("maildir: keyword %q: %w", name, ErrKeywordsFull)
}

// validKeyword: atom chars (RFC 9051 §9: ATOM-CHAR excludes "(){ %*\"\\]"
// and CTLs); non-ASCII bytes are allowed (UTF-8 keywords, IMAP4rev2).
func validKeyword(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return true
}

// Marshal returns the dovecot-keywords file contents.
func (k *Keywords) Marshal() []byte {
	var b bytes.Buffer
	for i, n := range k.names {
		if n != "" {
			fmt.Fprintf(&b, "%d %s\n", i, n)
		}
	}
	return b.Bytes()
}

// WriteKeywords replaces the folder's dovecot-keywords file atomically and
// durably (write a temporary file, fsync, rename, fsync the folder).
func (f *Folder) WriteKeywords(k *Keywords) error {
	p := filepath.Join(f.path, KeywordsFile)
	tmp := filepath.Join(f.path, SubTmp, f.namer.Next()+".keywords")
	if err := writeFileSynced(tmp, k.Marshal()); err != nil {
		return fmt.Errorf("maildir: write keywords: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("maildir: write keywords: %w", err)
	}
	if err := syncDir(f.path); err != nil {
		return fmt.Errorf("maildir: write keywords: %w", err)
	}
	return nil
}

// writeFileSynced creates path (O_EXCL) with data and fsyncs it.
func writeFileSynced(path string, data []byte) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = file.Write(data)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
