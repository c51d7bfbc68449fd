package importer

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
)

// OfflineIMAP (offlineimap3 8.x, and the Python 2 releases before it)
// keeps:
//   - in the Maildir, folders named by the server's name with its
//     hierarchy delimiter replaced by the repository's "sep" (default
//     ".", so "Archive/2024" is the directory Archive.2024; with "sep = /"
//     folders nest), left in modified UTF-7 unless it decodes names;
//   - in each file's name the server's UID and the MD5 of the local folder
//     name: "<time>_<n>.<pid>.<host>,U=<uid>,FMD5=<md5>:2,<flags>"; a file
//     whose FMD5 is not its folder's is new to OfflineIMAP (copied from
//     another folder), and so is a file with no U=;
//   - in its metadata directory (default ~/.offlineimap): per account
//     Account-<name>/LocalStatus-sqlite/<folder> (SQLite: table status
//     with id = UID, flags as Maildir letters, Gmail labels) or, in old
//     releases, Account-<name>/LocalStatus/<folder> (text: a magic line,
//     then "uid|flags|mtime|labels" or, format 1, "uid:flags"); per
//     repository Repository-<name>/FolderValidity/<folder>, the UIDVALIDITY
//     it last saw (a Maildir repository's is always 42). <folder> is the
//     local folder name with '/' written as '.'.
const (
	offlineimapMagic  = "OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - FORMAT "
	maildirValidity   = 42 // what OfflineIMAP records for a Maildir repository
	offlineimapStatus = "LocalStatus-sqlite"
	offlineimapPlain  = "LocalStatus"
)

// ReadOfflineIMAP reads every folder under root (folder directories named
// by layout: "dots-mutf7" for OfflineIMAP's default sep ".", "fs-mutf7"
// for "sep = /") with OfflineIMAP's state from metaDir: its metadata
// directory holding one Account-<name> directory, or that Account-<name>
// directory itself. It refuses a folder with no state, a state that does
// not fit the files, or files OfflineIMAP's state lists that are gone.
func ReadOfflineIMAP(ctx context.Context, root string, layout maildir.Layout, metaDir string) ([]Folder, error) {
	acctDir, err := offlineimapAccountDir(metaDir)
	if err != nil {
		return nil, err
	}
	lst, err := layout.List(ctx, root)
	if err != nil {
		return nil, err
	}
	if len(lst.Unmapped) > 0 {
		return nil, fmt.Errorf("folders whose directory name does not fit layout %q: %s "+
			"(OfflineIMAP's default \"sep = .\" is layout \"dots-mutf7\", \"sep = /\" is \"fs-mutf7\"; "+
			"with decoded folder names, \"dots\" or \"fs\")", layout, strings.Join(lst.Unmapped, ", "))
	}
	var out []Folder
	for i, name := range lst.Names {
		dir, err := layout.PartsPath(root, lst.Parts[i])
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, err
		}
		f, err := readOfflineIMAPFolder(ctx, name, dir, filepath.ToSlash(rel), acctDir)
		if err != nil {
			return nil, fmt.Errorf("folder %q (%s): %w", name, dir, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// offlineimapAccountDir finds the Account-<name> directory in (or at)
// metaDir.
func offlineimapAccountDir(metaDir string) (string, error) {
	if strings.HasPrefix(filepath.Base(filepath.Clean(metaDir)), "Account-") {
		return filepath.Clean(metaDir), nil
	}
	matches, err := filepath.Glob(filepath.Join(metaDir, "Account-*"))
	if err != nil {
		return "", err
	}
	if len(matches) != 1 {
		return "", fmt.Errorf("OfflineIMAP's metadata directory %s holds %d Account-* directories: "+
			"name the account's with --status %s", metaDir, len(matches), filepath.Join(metaDir, "Account-NAME"))
	}
	return matches[0], nil
}

// readOfflineIMAPFolder reads one folder: its files, its status and its
// UIDVALIDITY. local is the folder's name as OfflineIMAP knows it (its
// directory relative to the Maildir root).
func readOfflineIMAPFolder(ctx context.Context, name, dir, local, acctDir string) (Folder, error) {
	f := Folder{Name: name, Dir: dir, Tool: "OfflineIMAP"}
	base := strings.ReplaceAll(local, "/", ".")
	uv, err := offlineimapValidity(filepath.Dir(acctDir), base)
	if err != nil {
		return f, err
	}
	f.FarUIDValidity = uv
	status, err := readOfflineIMAPStatus(ctx, acctDir, base)
	if err != nil {
		return f, err
	}
	sum := md5.Sum([]byte(local))
	files, unknown, err := offlineimapFiles(ctx, dir, hex.EncodeToString(sum[:]))
	if err != nil {
		return f, err
	}
	f.Unknown = unknown
	for _, e := range status {
		loc, ok := files[e.FarUID]
		if !ok {
			f.Missing++
			continue
		}
		delete(files, e.FarUID)
		e.Subdir, e.File = loc.Subdir, loc.File
		f.Pairs = append(f.Pairs, e)
	}
	f.Unknown += len(files)
	if f.Missing > 0 {
		return f, fmt.Errorf("%d messages OfflineIMAP synchronized are no longer in the folder: run OfflineIMAP "+
			"once more (it carries the deletions to the server), then import", f.Missing)
	}
	return f, nil
}

// offlineimapValidity reads the UIDVALIDITY OfflineIMAP saw for folder
// base on the server: among its repositories' FolderValidity files, the
// one that is not a Maildir's constant.
func offlineimapValidity(metaDir, base string) (uint32, error) {
	paths, err := filepath.Glob(filepath.Join(metaDir, "Repository-*", "FolderValidity", base))
	if err != nil {
		return 0, err
	}
	var found []uint32
	for _, p := range paths {
		v, err := readUIDValidity(p)
		if err != nil {
			return 0, err
		}
		if v != maildirValidity {
			found = append(found, v)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) == 0 && len(paths) > 0:
		return maildirValidity, nil // the server's is 42 too
	case len(found) == 0:
		return 0, fmt.Errorf("no OfflineIMAP FolderValidity file %q in %s", base,
			filepath.Join(metaDir, "Repository-*", "FolderValidity"))
	}
	return 0, fmt.Errorf("OfflineIMAP's repositories in %s disagree on the UIDVALIDITY of %q (%v): "+
		"is this metadata directory shared by several accounts?", metaDir, base, found)
}

// readOfflineIMAPStatus reads a folder's LocalStatus, SQLite or text.
func readOfflineIMAPStatus(ctx context.Context, acctDir, base string) ([]Entry, error) {
	sqlitePath := filepath.Join(acctDir, offlineimapStatus, base)
	if _, err := os.Stat(sqlitePath); err == nil {
		var out []Entry
		err := statedb.ReadOfflineIMAPStatus(ctx, sqlitePath, func(row statedb.OfflineIMAPStatus) error {
			e, err := offlineimapEntry(row.UID, row.Flags, row.Labels)
			if err != nil {
				return fmt.Errorf("%s: %w", sqlitePath, err)
			}
			out = append(out, e)
			return nil
		})
		return out, err
	}
	plain := filepath.Join(acctDir, offlineimapPlain, base)
	file, err := os.Open(plain)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no OfflineIMAP status %s or %s (OfflineIMAP never synchronized this folder, "+
			"or its metadata is elsewhere: --status)", sqlitePath, plain)
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return parseOfflineIMAPPlain(plain, file)
}

// parseOfflineIMAPPlain parses a text LocalStatus (path names it in
// errors).
func parseOfflineIMAPPlain(path string, r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxStateLine)
	if !sc.Scan() {
		return nil, errors.Join(sc.Err(), fmt.Errorf("%s: empty", path))
	}
	format := strings.TrimPrefix(sc.Text(), offlineimapMagic)
	if format != "1" && format != "2" {
		return nil, fmt.Errorf("%s: not an OfflineIMAP LocalStatus of format 1 or 2", path)
	}
	var out []Entry
	for n := 2; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		sep := "|"
		if format == "1" {
			sep = ":"
		}
		fields := strings.Split(line, sep)
		if format == "1" && len(fields) != 2 || format == "2" && len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: bad line %q", path, n, line)
		}
		uid, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad UID in %q", path, n, line)
		}
		labels := ""
		if format == "2" {
			labels = fields[3]
		}
		e, err := offlineimapEntry(uid, fields[1], labels)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// offlineimapEntry is a status row as an Entry: OfflineIMAP names a file
// by the server's UID, so both UIDs are the same; labels are its
// comma-separated Gmail labels.
func offlineimapEntry(uid int64, flags, labels string) (Entry, error) {
	if uid <= 0 || uid > 1<<32-1 {
		return Entry{}, fmt.Errorf("UID %d out of range", uid)
	}
	e := Entry{FarUID: uint32(uid), NearUID: uint32(uid), Flags: flagLetters(flags)}
	for l := range strings.SplitSeq(labels, ",") {
		if l = strings.TrimSpace(l); l != "" {
			e.Labels = append(e.Labels, l)
		}
	}
	return e, nil
}

// offlineimapFiles maps the UIDs of a folder's files carrying the folder's
// FMD5 to the files, and counts the others (new to OfflineIMAP). Two files
// with one UID are refused.
func offlineimapFiles(ctx context.Context, dir, fmd5 string) (map[uint32]maildir.Entry, int, error) {
	folder, err := maildir.Open(dir)
	if err != nil {
		return nil, 0, err
	}
	ents, err := folder.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return nil, 0, err
	}
	out := make(map[uint32]maildir.Entry, len(ents))
	unknown := 0
	for _, e := range ents {
		u, ok := e.Name.Field("U")
		sum, _ := e.Name.Field("FMD5")
		uid, err := strconv.ParseUint(u, 10, 32)
		if !ok || err != nil || uid == 0 || sum != fmd5 {
			unknown++
			continue
		}
		if prev, dup := out[uint32(uid)]; dup {
			return nil, 0, fmt.Errorf("files %s and %s both carry U=%d: run OfflineIMAP once more", prev.File, e.File, uid)
		}
		out[uint32(uid)] = e
	}
	return out, unknown, nil
}
