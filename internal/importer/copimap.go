package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// copimap (mishoo/copimap.lisp) keeps, in each Maildir folder it
// synchronizes (its "local store"), the SQLite database .copimap.sqlite3:
//   - table mailbox (key, intval, txtval, binval): the server's
//     UIDVALIDITY and UIDNEXT (keys "UIDVALIDITY", "UIDNEXT"), its
//     HIGHESTMODSEQ ("$HIGHESTMODSEQ") and "_db_version_";
//   - table message (uid, local_uid, path, internaldate, message_id,
//     mtime, encountered): one row per message, uid the server's UID and
//     path the file relative to the folder ("cur/…", "new/…") as copimap
//     last saw it;
//   - tables map_flag_message (flag, message) and map_label_message
//     (label, message): the server's flags (IMAP names) and Gmail labels
//     as last fetched.
//
// It names the files it writes "copimap.U=<uid>.<time>[_<n>].<host>" with
// the flags in a ":2," suffix, and follows a file by the part of its name
// before the ':' (a file imported from OfflineIMAP keeps OfflineIMAP's
// name). It does not rename a file when a flag changes on the server, so
// a file whose name is still the one recorded holds the flags both sides
// last agreed on only as far as the local side goes: the import then takes
// the file's flags as agreed, and the first sync brings the server's
// changes; a file renamed since (read or flagged here) takes the recorded
// server flags as agreed, and the first sync pushes the local change.
const copimapDB = ".copimap.sqlite3"

// ReadCopimap reads every folder under root (folder directories named by
// layout) with its copimap database. It refuses a folder with no
// database, one whose rows do not fit the files, or files the database
// lists that are gone.
func ReadCopimap(ctx context.Context, root string, layout maildir.Layout) ([]Folder, error) {
	lst, err := layout.List(ctx, root)
	if err != nil {
		return nil, err
	}
	if len(lst.Unmapped) > 0 {
		return nil, fmt.Errorf("folders whose directory name does not fit layout %q: %s",
			layout, strings.Join(lst.Unmapped, ", "))
	}
	var out []Folder
	for i, name := range lst.Names {
		dir, err := layout.PartsPath(root, lst.Parts[i])
		if err != nil {
			return nil, err
		}
		f, err := readCopimapFolder(ctx, name, dir)
		if err != nil {
			return nil, fmt.Errorf("folder %q (%s): %w", name, dir, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// readCopimapFolder reads one folder's database and files.
func readCopimapFolder(ctx context.Context, name, dir string) (Folder, error) {
	f := Folder{Name: name, Dir: dir, Tool: "copimap"}
	dbPath := filepath.Join(dir, copimapDB)
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		return f, fmt.Errorf("no copimap database %s (copimap never synchronized this folder)", dbPath)
	}
	st, err := statedb.ReadCopimap(ctx, dbPath)
	if err != nil {
		return f, err
	}
	if f.FarUIDValidity, err = copimapValidity(dbPath, st.Mailbox); err != nil {
		return f, err
	}
	files, err := filesByUnique(ctx, dir)
	if err != nil {
		return f, err
	}
	for _, m := range st.Messages {
		e, found, err := copimapEntry(dbPath, m, files)
		if err != nil {
			return f, err
		}
		if !found {
			f.Missing++
			continue
		}
		f.Pairs = append(f.Pairs, e)
	}
	f.Unknown = len(files)
	if f.Missing > 0 {
		return f, fmt.Errorf("%d messages copimap recorded are no longer in the folder: let copimap push "+
			"the local changes once more, then import", f.Missing)
	}
	return f, nil
}

// copimapValidity is the UIDVALIDITY a copimap database recorded.
func copimapValidity(dbPath string, mb map[string]int64) (uint32, error) {
	v, ok := mb["UIDVALIDITY"]
	if w, ok2 := mb["$UIDVALIDITY"]; ok2 {
		if ok && w != v {
			return 0, fmt.Errorf("%s records two UIDVALIDITYs, %d and %d", dbPath, v, w)
		}
		v, ok = w, true
	}
	if !ok || v <= 0 || v > 1<<32-1 {
		return 0, fmt.Errorf("%s records no valid UIDVALIDITY", dbPath)
	}
	return uint32(v), nil
}

// copimapEntry finds a message row's file (taking it out of files) and
// makes its entry.
func copimapEntry(dbPath string, m statedb.CopimapMessage, files map[string]maildir.Entry) (Entry, bool, error) {
	if m.UID <= 0 || m.UID > 1<<32-1 {
		return Entry{}, false, fmt.Errorf("%s: UID %d out of range", dbPath, m.UID)
	}
	unique := maildir.ParseName(path.Base(m.Path)).Unique
	loc, ok := files[unique]
	if !ok || unique == "" {
		return Entry{}, false, nil
	}
	delete(files, unique)
	if u, ok := copimapNameUID(loc.File); ok && u != uint32(m.UID) {
		return Entry{}, false, fmt.Errorf("%s says %s is UID %d, its name says %d", dbPath, loc.File, m.UID, u)
	}
	e := Entry{FarUID: uint32(m.UID), NearUID: uint32(m.UID), Subdir: loc.Subdir, File: loc.File, Labels: m.Labels}
	if path.Join(loc.Subdir, loc.File) == path.Clean(m.Path) {
		e.Flags = flagLetters(infoLetters(loc.Name))
	} else {
		e.Flags = systemFlags(m.Flags)
	}
	return e, true, nil
}

// copimapNameUID reads the "U=<uid>" copimap (and OfflineIMAP) put in a
// file name.
func copimapNameUID(name string) (uint32, bool) {
	i := strings.Index(name, "U=")
	if i < 0 {
		return 0, false
	}
	digits := name[i+2:]
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	u, err := strconv.ParseUint(digits[:n], 10, 32)
	return uint32(u), err == nil && u > 0
}

// infoLetters is the flag letters of a name's ":2," info.
func infoLetters(n maildir.Name) string {
	if !n.HasInfo {
		return ""
	}
	return strings.TrimPrefix(n.Info, "2,")
}

// systemFlags keeps the flags a Maildir file name carries.
func systemFlags(names []string) store.Flags {
	var out []store.Flag
	for _, s := range names {
		switch f := store.Flag(s).Canonical(); f {
		case store.Seen, store.Answered, store.Flagged, store.Deleted, store.Draft, store.Forwarded:
			out = append(out, f)
		}
	}
	return store.NewFlags(out...)
}

// filesByUnique maps a folder's files by the part of their name before
// the ':'; two files with one such part are refused.
func filesByUnique(ctx context.Context, dir string) (map[string]maildir.Entry, error) {
	folder, err := maildir.Open(dir)
	if err != nil {
		return nil, err
	}
	ents, err := folder.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]maildir.Entry, len(ents))
	for _, e := range ents {
		if prev, dup := out[e.Name.Unique]; dup {
			return nil, fmt.Errorf("files %s and %s have one unique name", prev.File, e.File)
		}
		out[e.Name.Unique] = e
	}
	return out, nil
}
