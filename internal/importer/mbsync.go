package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/mutf7"
	"github.com/imapdir/imapdir/store"
)

// mbsync (isync 1.4) keeps, in each near Maildir folder (with "SyncState
// *", its default for a Maildir near side):
//   - .mbsyncstate: header lines "Key value" (FarUidValidity,
//     NearUidValidity, MaxPulledUid, MaxPushedUid, …; 1.3 and older say
//     Master/Slave), an empty line, then one line per message:
//     "<far UID> <near UID> <flags>", a UID of 0 when the message is not on
//     that side, flags as the letters DFPRST, possibly after status marks;
//   - .mbsyncstate.journal: the changes since the state file was last
//     written; non-empty after an interrupted run;
//   - .uidvalidity: the folder's near UIDVALIDITY and highest near UID;
//   - the near UID of each file in its name, ",U=<uid>".
const (
	stateFile       = ".mbsyncstate"
	journalFile     = ".mbsyncstate.journal"
	newStateFile    = ".mbsyncstate.new"
	uidValidityFile = ".uidvalidity"
	altMapFile      = ".isyncuidmap.db" // "AltMap yes": UIDs in a database, not in names
)

// maxStateLine bounds one line of a state file.
const maxStateLine = 4096

// Entry is one message the other tool paired.
type Entry struct {
	FarUID, NearUID uint32
	Flags           store.Flags // as the tool last agreed on them
	Subdir, File    string      // the near file ("" when no file has the near UID)
	// Labels are the Gmail labels the tool last agreed on (OfflineIMAP's
	// X-Keywords, copimap's label map); nil when it keeps none.
	Labels []string
}

// Folder is one near folder another tool synchronized.
type Folder struct {
	Name            string // neutral mailbox name (UTF-8, '/' hierarchy)
	Dir             string // the folder's directory
	Tool            string // whose state it is ("mbsync", "OfflineIMAP"), for messages
	FarUIDValidity  uint32
	NearUIDValidity uint32
	Pairs           []Entry // both UIDs known and the file present
	FarOnly         int     // entries with no near copy (not downloaded, e.g. MaxMessages)
	NearOnly        int     // entries with no far copy yet
	Missing         int     // entries whose near file is gone
	Unknown         int     // files with no entry (new since mbsync's last run)
}

// ReadMbsync reads every folder under root (folder directories named by
// layout) with its mbsync state. stateDir, when not empty, is where the
// state files are instead of the folders (mbsync's "SyncState <dir>/"):
// the file of a folder is named after its mailbox, in modified UTF-7 with
// '/' written as '!' (isync 1.4), or ends in ":" and that name (older). It refuses a folder with an interrupted mbsync run, no
// state, or a state that does not fit the files.
func ReadMbsync(ctx context.Context, root string, layout maildir.Layout, stateDir string) ([]Folder, error) {
	lst, err := layout.List(ctx, root)
	if err != nil {
		return nil, err
	}
	if len(lst.Unmapped) > 0 {
		return nil, fmt.Errorf("folders whose directory name does not fit layout %q: %s "+
			"(mbsync's \"SubFolders Verbatim\" is layout \"fs-mutf7\", \"SubFolders Maildir++\" is \"maildir++-mutf7\", "+
			"\"SubFolders Legacy\" is \"legacy-mutf7\")",
			layout, strings.Join(lst.Unmapped, ", "))
	}
	var out []Folder
	for i, name := range lst.Names {
		dir, err := layout.PartsPath(root, lst.Parts[i])
		if err != nil {
			return nil, err
		}
		f, err := readFolder(ctx, name, dir, stateDir)
		if err != nil {
			return nil, fmt.Errorf("folder %q (%s): %w", name, dir, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// readFolder reads one folder's state and files.
func readFolder(ctx context.Context, name, dir, stateDir string) (Folder, error) {
	f := Folder{Name: name, Dir: dir, Tool: "mbsync"}
	if _, err := os.Stat(filepath.Join(dir, altMapFile)); err == nil {
		return f, fmt.Errorf("mbsync keeps this folder's UIDs in %s (AltMap yes), which import does not read", altMapFile)
	}
	statePath, err := statePathOf(name, dir, stateDir)
	if err != nil {
		return f, err
	}
	if err := checkNoJournal(statePath); err != nil {
		return f, err
	}
	hdr, entries, err := readState(statePath)
	if err != nil {
		return f, err
	}
	f.FarUIDValidity, f.NearUIDValidity = hdr["FarUidValidity"], hdr["NearUidValidity"]
	if f.FarUIDValidity == 0 { // isync 1.3 and older
		f.FarUIDValidity, f.NearUIDValidity = hdr["MasterUidValidity"], hdr["SlaveUidValidity"]
	}
	if f.FarUIDValidity == 0 || f.NearUIDValidity == 0 {
		return f, fmt.Errorf("%s has no far or near UIDVALIDITY", statePath)
	}
	if v, err := readUIDValidity(filepath.Join(dir, uidValidityFile)); err != nil {
		return f, err
	} else if v != f.NearUIDValidity {
		return f, fmt.Errorf("%s says near UIDVALIDITY %d but the folder's %s says %d: the state is stale "+
			"(run mbsync once more)", statePath, f.NearUIDValidity, uidValidityFile, v)
	}
	files, err := filesByUID(ctx, dir)
	if err != nil {
		return f, err
	}
	for _, e := range entries {
		switch {
		case e.NearUID == 0:
			f.FarOnly++
		case e.FarUID == 0:
			f.NearOnly++
			delete(files, e.NearUID)
		default:
			loc, ok := files[e.NearUID]
			if !ok {
				f.Missing++
				continue
			}
			delete(files, e.NearUID)
			e.Subdir, e.File = loc.Subdir, loc.File
			f.Pairs = append(f.Pairs, e)
		}
	}
	f.Unknown = len(files)
	if f.Missing > 0 {
		// Deleted here since mbsync's last run: imapdir would see the
		// server's copies as new and download them again.
		return f, fmt.Errorf("%d messages mbsync paired are no longer in the folder: run mbsync once more "+
			"(it carries the deletions to the server), then import", f.Missing)
	}
	return f, nil
}

// statePathOf finds the state file of folder name.
func statePathOf(name, dir, stateDir string) (string, error) {
	if stateDir == "" {
		return filepath.Join(dir, stateFile), nil
	}
	base := strings.ReplaceAll(mutf7.Encode(name), "/", "!")
	if _, err := os.Stat(filepath.Join(stateDir, base)); err == nil {
		return filepath.Join(stateDir, base), nil // isync 1.4
	}
	suffix := ":" + base // older: ":<far store>:<box>_:<near store>:<box>"
	ents, err := os.ReadDir(stateDir)
	if err != nil {
		return "", err
	}
	var found []string
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, suffix) && !e.IsDir() {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("no state file %q in %s (%d files end in %q)", base, stateDir, len(found), suffix)
	}
	return filepath.Join(stateDir, found[0]), nil
}

// checkNoJournal refuses a state with a pending journal or an unfinished
// rewrite: mbsync was interrupted, and only mbsync can replay it.
func checkNoJournal(statePath string) error {
	for _, p := range []string{statePath + ".journal", statePath + ".new"} {
		st, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if st.Size() > 0 {
			return fmt.Errorf("%s is not empty: mbsync was interrupted; run mbsync once more, then import", p)
		}
	}
	return nil
}

// readState parses a state file: its header values and its entries.
func readState(path string) (map[string]uint32, []Entry, error) {
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no mbsync state %s (mbsync never synchronized this folder, or its SyncState is elsewhere: --state)", path)
	}
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	return parseState(path, file)
}

// parseState parses the text of a state file (path names it in errors).
func parseState(path string, r io.Reader) (map[string]uint32, []Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxStateLine)
	hdr := map[string]uint32{}
	inHeader := true
	var entries []Entry
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if inHeader {
			if line == "" {
				inHeader = false
				continue
			}
			key, val, ok := strings.Cut(line, " ")
			v, err := strconv.ParseUint(val, 10, 32)
			if !ok || err != nil {
				return nil, nil, fmt.Errorf("%s:%d: bad header line %q", path, n, line)
			}
			hdr[key] = uint32(v)
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if inHeader {
		return nil, nil, fmt.Errorf("%s: no entry section (truncated state file)", path)
	}
	return hdr, entries, nil
}

// parseEntry parses "<far UID> <near UID> <marks and flags>".
func parseEntry(line string) (Entry, error) {
	fields := strings.SplitN(line, " ", 3)
	if len(fields) < 2 {
		return Entry{}, fmt.Errorf("bad entry %q", line)
	}
	far, err1 := strconv.ParseUint(fields[0], 10, 32)
	near, err2 := strconv.ParseUint(fields[1], 10, 32)
	if err1 != nil || err2 != nil {
		return Entry{}, fmt.Errorf("bad entry %q", line)
	}
	e := Entry{FarUID: uint32(far), NearUID: uint32(near)}
	if len(fields) == 3 {
		e.Flags = flagLetters(fields[2])
	}
	return e, nil
}

// flagLetters maps mbsync's flag letters (Maildir's); other characters
// are its status marks.
func flagLetters(s string) store.Flags {
	var fs []store.Flag
	for _, c := range s {
		switch c {
		case 'D':
			fs = append(fs, store.Draft)
		case 'F':
			fs = append(fs, store.Flagged)
		case 'P':
			fs = append(fs, store.Forwarded)
		case 'R':
			fs = append(fs, store.Answered)
		case 'S':
			fs = append(fs, store.Seen)
		case 'T':
			fs = append(fs, store.Deleted)
		}
	}
	return store.NewFlags(fs...)
}

// readUIDValidity reads the first line of a folder's .uidvalidity.
func readUIDValidity(path string) (uint32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read mbsync's %s: %w", path, err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	v, err := strconv.ParseUint(strings.TrimSpace(first), 10, 32)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%s: bad UIDVALIDITY %q", path, first)
	}
	return uint32(v), nil
}

// filesByUID maps the ",U=" near UIDs of a folder's files to the files.
// Two files with one UID are refused: mbsync's state would be ambiguous.
func filesByUID(ctx context.Context, dir string) (map[uint32]maildir.Entry, error) {
	folder, err := maildir.Open(dir)
	if err != nil {
		return nil, err
	}
	ents, err := folder.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]maildir.Entry, len(ents))
	for _, e := range ents {
		u, ok := e.Name.Field("U")
		if !ok {
			continue
		}
		uid, err := strconv.ParseUint(u, 10, 32)
		if err != nil || uid == 0 {
			continue
		}
		if prev, dup := out[uint32(uid)]; dup {
			return nil, fmt.Errorf("files %s and %s both carry U=%d: run mbsync once more", prev.File, e.File, uid)
		}
		out[uint32(uid)] = e
	}
	return out, nil
}
