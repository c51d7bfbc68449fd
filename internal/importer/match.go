package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/mailmsg"
	"github.com/imapdir/imapdir/store"
)

// A Maildir with no state imapdir can read (deleted, or written by a tool
// it does not know) is matched instead: each local file is paired with
// the server message of the same identity (store.Identity: the Message-ID,
// else the header hash, and the wire size), listing only the server's
// headers. Where one identity names several messages on a side, the
// INTERNALDATE (the file's mtime, as Maildir deliveries set it) pairs them;
// what stays ambiguous is left unpaired, never guessed.

// MatchOptions tunes ReadMatch.
type MatchOptions struct {
	// CreateMissing: a local folder with no mailbox on the server is left
	// out of the import (the next sync creates the mailbox and uploads
	// its messages) instead of refused.
	CreateMissing bool
}

// ReadMatch pairs the files of every folder under root (named by layout)
// with the server's messages by identity. Each Folder's Unknown counts
// its unpaired files and FarOnly the server's unpaired messages. With
// opts.CreateMissing, it also returns the names of the folders left out
// because the server has no such mailbox.
func ReadMatch(ctx context.Context, root string, layout maildir.Layout, far store.Store, opts MatchOptions) (
	folders []Folder, missing []string, err error) {
	lst, err := layout.List(ctx, root)
	if err != nil {
		return nil, nil, err
	}
	if len(lst.Unmapped) > 0 {
		return nil, nil, fmt.Errorf("folders whose directory name does not fit layout %q: %s",
			layout, strings.Join(lst.Unmapped, ", "))
	}
	for i, name := range lst.Names {
		dir, err := layout.PartsPath(root, lst.Parts[i])
		if err != nil {
			return nil, nil, err
		}
		f, err := matchFolder(ctx, name, dir, far)
		if errors.Is(err, store.ErrMailboxNotFound) && opts.CreateMissing {
			missing = append(missing, name)
			continue
		}
		if errors.Is(err, store.ErrMailboxNotFound) {
			if hint := mutf7Hint(ctx, far, name, layout); hint != "" {
				return nil, nil, fmt.Errorf("folder %q (%s): %s", name, dir, hint)
			}
			return nil, nil, fmt.Errorf("folder %q (%s) has no mailbox on the server: is --from the Maildir of this "+
				"account? (with --unpaired upload the next sync creates it)", name, dir)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("folder %q (%s): %w", name, dir, err)
		}
		folders = append(folders, f)
	}
	return folders, missing, nil
}

// candidate is one message of a side, by identity.
type candidate struct {
	uid  store.UID     // server side
	file maildir.Entry // local side
	date time.Time     // INTERNALDATE or mtime, to the second
	// bare is a file's identity without the X-TUID field mbsync adds to
	// the files it writes (and not to the server's copies): the size
	// differs by that field.
	bare store.Identity
}

// matchFolder pairs one folder's files with its mailbox's messages.
func matchFolder(ctx context.Context, name, dir string, far store.Store) (Folder, error) {
	f := Folder{Name: name, Dir: dir, Tool: "the Maildir"}
	box, err := far.OpenMailbox(ctx, name)
	if err != nil {
		return f, err
	}
	defer box.Close()
	f.FarUIDValidity = box.Status().UIDValidity
	server := map[store.Identity][]candidate{}
	farFlags := map[store.UID]store.Flags{}
	err = box.List(ctx, store.ListOptions{WithMessageID: true}, func(ms []store.Message) error {
		for _, m := range ms {
			id := store.IdentityOf(m)
			if !id.Known() {
				f.FarOnly++
				continue
			}
			server[id] = append(server[id], candidate{uid: m.UID, date: m.InternalDate.Truncate(time.Second)})
			farFlags[m.UID] = m.Flags
		}
		return nil
	})
	if err != nil {
		return f, err
	}
	local, unknown, err := localIdentities(ctx, dir)
	if err != nil {
		return f, err
	}
	f.Unknown = unknown
	var rest []candidate
	for id, files := range local {
		pairs, left := matchOne(server[id], files)
		takePaired(server, id, pairs)
		rest = append(rest, left...)
		f.addPairs(pairs, farFlags)
	}
	// Files mbsync wrote carry its X-TUID: match them without it.
	bare := map[store.Identity][]candidate{}
	for _, c := range rest {
		if c.bare.Known() {
			bare[c.bare] = append(bare[c.bare], c)
		} else {
			f.Unknown++
		}
	}
	for id, files := range bare {
		pairs, left := matchOne(server[id], files)
		takePaired(server, id, pairs)
		f.Unknown += len(left)
		f.addPairs(pairs, farFlags)
	}
	for _, cs := range server {
		f.FarOnly += len(cs)
	}
	sort.Slice(f.Pairs, func(i, j int) bool { return f.Pairs[i].FarUID < f.Pairs[j].FarUID })
	return f, nil
}

// takePaired removes the paired server messages of identity id.
func takePaired(server map[store.Identity][]candidate, id store.Identity, pairs []matched) {
	if len(pairs) == 0 {
		return
	}
	rest := server[id][:0:0]
	for _, c := range server[id] {
		if !slices.ContainsFunc(pairs, func(p matched) bool { return p.uid == c.uid }) {
			rest = append(rest, c)
		}
	}
	if len(rest) == 0 {
		delete(server, id)
	} else {
		server[id] = rest
	}
}

// addPairs records matched messages as pairs.
func (f *Folder) addPairs(pairs []matched, farFlags map[store.UID]store.Flags) {
	for _, p := range pairs {
		// No state says what both sides last agreed on: take the flags
		// they share, so that the first sync adds to each side the
		// flags only the other has and removes none.
		agreed := intersect(flagLetters(infoLetters(p.file.Name)), farFlags[p.uid])
		f.Pairs = append(f.Pairs, Entry{FarUID: uint32(p.uid), Flags: agreed, Subdir: p.file.Subdir, File: p.file.File})
	}
}

// matched is a server UID and the file paired with it.
type matched struct {
	uid  store.UID
	file maildir.Entry
}

// matchOne pairs the messages of one identity: one on each side pairs;
// several pair by date where a date names one message on each side. It
// returns the pairs and the files left unpaired.
func matchOne(server, files []candidate) ([]matched, []candidate) {
	if len(server) == 0 {
		return nil, files
	}
	if len(server) == 1 && len(files) == 1 {
		return []matched{{server[0].uid, files[0].file}}, nil
	}
	sd := map[int64][]candidate{}
	for _, c := range server {
		sd[c.date.Unix()] = append(sd[c.date.Unix()], c)
	}
	fd := map[int64][]candidate{}
	for _, c := range files {
		fd[c.date.Unix()] = append(fd[c.date.Unix()], c)
	}
	var out []matched
	var left []candidate
	for d, fs := range fd {
		if ss := sd[d]; len(ss) == 1 && len(fs) == 1 {
			out = append(out, matched{ss[0].uid, fs[0].file})
		} else {
			left = append(left, fs...)
		}
	}
	return out, left
}

// localIdentities reads the identity of every file of folder dir; files
// with none are counted, never matched.
func localIdentities(ctx context.Context, dir string) (map[store.Identity][]candidate, int, error) {
	folder, err := maildir.Open(dir)
	if err != nil {
		return nil, 0, err
	}
	ents, err := folder.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return nil, 0, err
	}
	out := map[store.Identity][]candidate{}
	unknown := 0
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		id, bare, mtime, err := fileWireIdentity(filepath.Join(dir, e.Subdir, e.File))
		if errors.Is(err, os.ErrNotExist) {
			continue // renamed or deleted by a mail reader meanwhile
		}
		if err != nil {
			return nil, 0, err
		}
		if !id.Known() {
			unknown++
			continue
		}
		out[id] = append(out[id], candidate{file: e, date: mtime, bare: bare})
	}
	return out, unknown, nil
}

// fileWireIdentity reads a file's identity (with its size in wire form,
// as the server counts it), the same without its X-TUID fields (unknown
// when it has none), and its mtime.
func fileWireIdentity(path string) (id, bare store.Identity, mtime time.Time, err error) {
	f, err := os.Open(path)
	if err != nil {
		return id, bare, mtime, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return id, bare, mtime, err
	}
	msgID, hh := store.HeaderIdentity(f)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return id, bare, mtime, err
	}
	tuid, err := tuidWireSize(f)
	if err != nil {
		return id, bare, mtime, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return id, bare, mtime, err
	}
	n, err := io.Copy(io.Discard, maildir.NewToCRLFReader(f))
	if err != nil {
		return id, bare, mtime, err
	}
	id = store.MakeIdentity(msgID, hh, n)
	if tuid > 0 {
		bare = store.MakeIdentity(msgID, hh, n-tuid)
	}
	return id, bare, st.ModTime().Truncate(time.Second), nil
}

// tuidWireSize is the wire size of the X-TUID fields of a message's
// header.
func tuidWireSize(r io.Reader) (int64, error) {
	h, err := mailmsg.ReadHeaderLimit(bufio.NewReader(r), 1<<20)
	if h == nil {
		return 0, err
	}
	return h.WireSize(mailmsg.TUIDField), nil
}

// intersect returns the flags in both a and b.
func intersect(a, b store.Flags) store.Flags {
	var out []store.Flag
	for _, f := range a {
		for _, g := range b {
			if f.Equal(g) {
				out = append(out, f)
				break
			}
		}
	}
	return store.NewFlags(out...)
}
