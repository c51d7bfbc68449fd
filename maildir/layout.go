package maildir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/imapdir/imapdir/mutf7"
)

// Layout maps mailbox names to folder directories under a root directory.
// Mailbox names are UTF-8 with "/" as the hierarchy separator; "INBOX"
// (any case, RFC 9051 §5.1) is the inbox. Name components are stored as
// UTF-8 on disk; bytes a directory name cannot hold, or that would change
// its meaning, are escaped reversibly as "%XX" (upper-case hex), and '%'
// itself is always escaped:
//   - both layouts: '%', control characters (0x00-0x1F, 0x7F), and '/'
//     inside a component (possible only through PartsPath);
//   - fs: a leading '.' (hidden directories, "." and ".."), and the first
//     letter of a component named cur, new or tmp (any case), which would
//     clash with a folder's own subdirectories;
//   - maildir++ and dots: every '.', the hierarchy separator on disk.
//
// The "-mutf7" variants store each component in modified UTF-7 (RFC 3501
// §5.1.3), the server's own spelling, before escaping: mbsync keeps
// directory names that way ("Entw&APw-rfe" for "Entwürfe"), so a Maildir
// it made is read in place without renaming a directory.
type Layout int

const (
	// LayoutFS nests directories: "Archive/2024" is root/Archive/2024 and
	// INBOX is root/INBOX (mbsync's "SubFolders Verbatim").
	LayoutFS Layout = iota + 1
	// LayoutMaildirPP is Maildir++ (Courier, Dovecot): INBOX is the root
	// itself and "Archive/2024" is root/.Archive.2024.
	LayoutMaildirPP
	// LayoutFSMUTF7 is LayoutFS with components in modified UTF-7.
	LayoutFSMUTF7
	// LayoutMaildirPPMUTF7 is LayoutMaildirPP with components in modified
	// UTF-7.
	LayoutMaildirPPMUTF7
	// LayoutDots puts every folder side by side in the root, its name's
	// components joined by '.', with no leading dot: INBOX is root/INBOX
	// and "Archive/2024" is root/Archive.2024 (OfflineIMAP's default
	// "sep = .").
	LayoutDots
	// LayoutDotsMUTF7 is LayoutDots with components in modified UTF-7.
	LayoutDotsMUTF7
	// LayoutLegacyMUTF7 nests directories like LayoutFS, with a '.'
	// before every component but the first: "Archive/2024/Q1" is
	// root/Archive/.2024/.Q1 (mbsync's "SubFolders Legacy"); components
	// in modified UTF-7.
	LayoutLegacyMUTF7
)

// layoutNames are the configuration names, by Layout.
var layoutNames = map[Layout]string{
	LayoutFS: "fs", LayoutMaildirPP: "maildir++",
	LayoutFSMUTF7: "fs-mutf7", LayoutMaildirPPMUTF7: "maildir++-mutf7",
	LayoutDots: "dots", LayoutDotsMUTF7: "dots-mutf7", LayoutLegacyMUTF7: "legacy-mutf7",
}

// MUTF7Form returns the layout that nests folders as l does with
// components in modified UTF-7 ("fs" -> "fs-mutf7"), and false when l
// already keeps them so.
func (l Layout) MUTF7Form() (Layout, bool) {
	switch l {
	case LayoutFS:
		return LayoutFSMUTF7, true
	case LayoutMaildirPP:
		return LayoutMaildirPPMUTF7, true
	case LayoutDots:
		return LayoutDotsMUTF7, true
	}
	return l, false
}

// Nested reports whether folders nest as directories (fs) rather than
// living side by side in the root (maildir++, dots).
func (l Layout) Nested() bool { return l == LayoutFS || l == LayoutFSMUTF7 || l == LayoutLegacyMUTF7 }

// InboxIsRoot reports whether INBOX is the root directory itself
// (maildir++).
func (l Layout) InboxIsRoot() bool { return l == LayoutMaildirPP || l == LayoutMaildirPPMUTF7 }

// MUTF7 reports whether components are stored in modified UTF-7.
func (l Layout) MUTF7() bool {
	return l == LayoutFSMUTF7 || l == LayoutMaildirPPMUTF7 || l == LayoutDotsMUTF7 || l == LayoutLegacyMUTF7
}

// subPrefix is what a nested layout puts before every directory name but
// the first.
func (l Layout) subPrefix() string {
	if l == LayoutLegacyMUTF7 {
		return "."
	}
	return ""
}

// dotPrefix is what a flat layout's directory names start with.
func (l Layout) dotPrefix() string {
	if l.InboxIsRoot() {
		return "."
	}
	return ""
}

// maxComponent is the longest directory name most file systems accept.
const maxComponent = 255

// ParseLayout returns the layout named s: "fs", "maildir++", "dots",
// "fs-mutf7", "maildir++-mutf7", "dots-mutf7" or "legacy-mutf7".
func ParseLayout(s string) (Layout, error) {
	for l, name := range layoutNames {
		if name == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("maildir: unknown layout %q (want \"fs\", \"maildir++\", \"dots\", \"fs-mutf7\", \"maildir++-mutf7\" \"dots-mutf7\" or \"legacy-mutf7\")", s)
}

// String returns the layout's configuration name.
func (l Layout) String() string {
	if name, ok := layoutNames[l]; ok {
		return name
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

func (l Layout) valid() error {
	if _, ok := layoutNames[l]; !ok {
		return fmt.Errorf("maildir: invalid layout %d", int(l))
	}
	return nil
}

// CanonicalName checks a mailbox name and returns its canonical form: a
// first component equal to "INBOX" in any case becomes "INBOX". It rejects
// empty names, empty components ("a//b", "/a", "a/"), and invalid UTF-8.
func CanonicalName(name string) (string, error) {
	parts, err := CanonicalParts(strings.Split(name, "/"))
	if err != nil {
		return "", err
	}
	return strings.Join(parts, "/"), nil
}

// CanonicalParts is CanonicalName for a name given as its components
// (which may then contain '/', e.g. a server mailbox "a/b" under a '.'
// hierarchy delimiter). It returns a new slice.
func CanonicalParts(parts []string) ([]string, error) {
	if len(parts) == 0 || len(parts) == 1 && parts[0] == "" {
		return nil, fmt.Errorf("maildir: empty mailbox name")
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("maildir: mailbox name %q has an empty component", parts)
		}
		if !utf8.ValidString(p) {
			return nil, fmt.Errorf("maildir: mailbox name %q is not UTF-8", parts)
		}
		out[i] = p
	}
	if strings.EqualFold(out[0], "INBOX") {
		out[0] = "INBOX"
	}
	return out, nil
}

// Path returns the folder directory of mailbox name ("/"-separated) under
// root.
func (l Layout) Path(root, name string) (string, error) {
	return l.PartsPath(root, strings.Split(name, "/"))
}

// PartsPath returns the folder directory of the mailbox whose name has
// the given components. A '/' inside a component is escaped like the
// other reserved bytes (see Layout).
func (l Layout) PartsPath(root string, parts []string) (string, error) {
	if err := l.valid(); err != nil {
		return "", err
	}
	parts, err := CanonicalParts(parts)
	if err != nil {
		return "", err
	}
	if l.InboxIsRoot() && len(parts) == 1 && parts[0] == "INBOX" {
		return filepath.Clean(root), nil
	}
	for i, p := range parts {
		parts[i] = escapeComponent(p, l)
	}
	var rel string
	if l.Nested() {
		for i, p := range parts {
			if i > 0 {
				parts[i] = l.subPrefix() + p
			}
			if len(parts[i]) > maxComponent {
				return "", fmt.Errorf("maildir: mailbox %q: component %q too long on disk", parts, p)
			}
		}
		rel = filepath.Join(parts...)
	} else {
		rel = l.dotPrefix() + strings.Join(parts, ".")
		if len(rel) > maxComponent {
			return "", fmt.Errorf("maildir: mailbox %q too long for one %s directory name", parts, l)
		}
	}
	return filepath.Join(root, rel), nil
}

// Name returns the mailbox name of folder directory dir under root: the
// inverse of Path. It fails for a directory Path would not produce (not
// under root, a bad or non-canonical escape, a plain subdirectory name like
// "cur"), so that a name always maps back to the same directory. It also
// fails when a component contains '/' (the name would be ambiguous): use
// Parts then.
func (l Layout) Name(root, dir string) (string, error) {
	parts, err := l.Parts(root, dir)
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		if strings.Contains(p, "/") {
			return "", fmt.Errorf("maildir: folder %s: component %q contains '/': use Parts", dir, p)
		}
	}
	return strings.Join(parts, "/"), nil
}

// Parts returns the components of the mailbox name of folder directory dir
// under root: the inverse of PartsPath, with Name's checks.
func (l Layout) Parts(root, dir string) ([]string, error) {
	if err := l.valid(); err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(filepath.Clean(root), filepath.Clean(dir))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("maildir: %s is not under %s", dir, root)
	}
	parts, err := l.partsOf(rel)
	if err != nil {
		return nil, fmt.Errorf("maildir: folder %s: %w", dir, err)
	}
	back, err := l.PartsPath(root, parts)
	if err != nil || back != filepath.Join(root, rel) {
		return nil, fmt.Errorf("maildir: folder %s: name %q is not stored canonically", dir, parts)
	}
	return parts, nil
}

// partsOf decodes a path relative to the root.
func (l Layout) partsOf(rel string) ([]string, error) {
	if !l.Nested() {
		if rel == "." && l.InboxIsRoot() {
			return []string{"INBOX"}, nil
		}
		p := l.dotPrefix()
		if rel == "." || !strings.HasPrefix(rel, p) || strings.ContainsRune(rel, filepath.Separator) {
			return nil, fmt.Errorf("not a %s folder directory", l)
		}
		return l.decodeParts(strings.Split(rel[len(p):], "."))
	}
	if rel == "." {
		return nil, fmt.Errorf("the root is not a mailbox in the fs layout")
	}
	parts := strings.Split(rel, string(filepath.Separator))
	for i := 1; i < len(parts); i++ {
		p, ok := strings.CutPrefix(parts[i], l.subPrefix())
		if !ok {
			return nil, fmt.Errorf("not a %s folder directory", l)
		}
		parts[i] = p
	}
	return l.decodeParts(parts)
}

func (l Layout) decodeParts(parts []string) ([]string, error) {
	for i, p := range parts {
		d, err := unescapeComponent(p)
		if err != nil {
			return nil, err
		}
		if l.MUTF7() {
			if d, err = mutf7.Decode(d); err != nil {
				return nil, err
			}
		}
		parts[i] = d
	}
	return CanonicalParts(parts)
}

// escapeComponent escapes one name component for layout l (see Layout).
func escapeComponent(c string, l Layout) string {
	if l.MUTF7() {
		c = mutf7.Encode(c)
	}
	var b strings.Builder
	reserved := l.Nested() && (strings.EqualFold(c, SubCur) || strings.EqualFold(c, SubNew) ||
		strings.EqualFold(c, SubTmp))
	for i := 0; i < len(c); i++ {
		ch := c[i]
		esc := ch == '%' || ch == '/' || ch < 0x20 || ch == 0x7f
		esc = esc || (!l.Nested() && ch == '.')
		esc = esc || (l.Nested() && i == 0 && (ch == '.' || reserved))
		if esc {
			fmt.Fprintf(&b, "%%%02X", ch)
		} else {
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// unescapeComponent decodes "%XX" escapes; a '%' not followed by two
// upper-case hex digits is an error.
func unescapeComponent(c string) (string, error) {
	if !strings.Contains(c, "%") {
		return c, nil
	}
	var b strings.Builder
	for i := 0; i < len(c); i++ {
		if c[i] != '%' {
			b.WriteByte(c[i])
			continue
		}
		hi, ok1 := unhex(c, i+1)
		lo, ok2 := unhex(c, i+2)
		if !ok1 || !ok2 {
			return "", fmt.Errorf("bad escape in %q", c)
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(s string, i int) (byte, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch c := s[i]; {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// MaildirFolderFile is the empty marker file Maildir++ puts in every
// subfolder (Courier and Dovecot create it; some tools check for it).
const MaildirFolderFile = "maildirfolder"

// Create creates (or opens, if it exists) the folder of mailbox name under
// root, with its missing parent directories. In maildir++ a subfolder also
// gets the "maildirfolder" marker file.
func (l Layout) Create(root, name string, opts ...Option) (*Folder, error) {
	return l.CreateParts(root, strings.Split(name, "/"), opts...)
}

// CreateParts is Create for a name given as its components (see
// PartsPath).
func (l Layout) CreateParts(root string, parts []string, opts ...Option) (*Folder, error) {
	dir, err := l.PartsPath(root, parts)
	if err != nil {
		return nil, err
	}
	f, err := Create(dir, opts...)
	if err != nil {
		return nil, err
	}
	if l.InboxIsRoot() && filepath.Clean(dir) != filepath.Clean(root) {
		if err := touchSynced(filepath.Join(dir, MaildirFolderFile)); err != nil {
			return nil, fmt.Errorf("maildir: create %s: %w", dir, err)
		}
	}
	return f, nil
}

// Open opens the folder of mailbox name under root (see the package-level
// Open).
func (l Layout) Open(root, name string, opts ...Option) (*Folder, error) {
	dir, err := l.Path(root, name)
	if err != nil {
		return nil, err
	}
	return Open(dir, opts...)
}

// touchSynced creates an empty file if missing and fsyncs its directory.
func touchSynced(path string) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
