// Package readersim simulates a mail reader (mu4e, notmuch, mutt, aerc)
// working in a Maildir while synchronizations run: it renames files to
// toggle flags, moves them from new/ to cur/ and between folders, deletes
// them, rewrites drafts in place, delivers new ones, and empties a folder
// for a while before putting its files back. It keeps a model of what a
// user expects to find afterwards, which its tests compare with both sides
// of a real sync (Dovecot and the Maildir) once everything has settled.
//
// Every step tolerates the synchronizer renaming, adding or removing files
// at the same time: a file gone between the listing and the step is a
// step not taken.
package readersim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/imapdir/imapdir/maildir"
)

// Op is one kind of step of the reader.
type Op int

// The reader's steps.
const (
	OpToggleFlags Op = iota // rename: another set of S, F, R letters
	OpNewToCur              // a file in new/ shown: moved to cur/
	OpMove                  // moved to another folder, name kept
	OpDelete                // file removed
	OpEdit                  // draft saved again under its name (by rename)
	OpCompose               // a new message saved (Sent, Drafts)
	OpEmpty                 // every file of a folder moved out of the Maildir
	OpRestore               // an emptied folder's files put back
	numOps
)

var opNames = [...]string{"toggle", "new-to-cur", "move", "delete", "edit", "compose", "empty", "restore"}

func (o Op) String() string { return opNames[o] }

// Model is what the user expects: the latest text of every message by
// Message-ID, and the Message-IDs deliberately deleted (by the reader or
// on the server). A message never deleted must be on both sides, once,
// with its latest text.
type Model struct {
	mu      sync.Mutex
	texts   map[string][]byte // Message-ID (with brackets) → LF text
	deleted map[string]string // Message-ID → how it was deleted
	history map[string][]string
	epoch   int // the number of syncs started, for the history
}

// Epoch sets the number of syncs started, which the history notes.
func (m *Model) Epoch(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.epoch = n
}

// Note adds an event to the history of message id (reported with a
// message that comes back or differs).
func (m *Model) Note(id, format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.history[id] = append(m.history[id], fmt.Sprintf("sync %d: ", m.epoch)+fmt.Sprintf(format, args...))
}

// History returns the events noted for id.
func (m *Model) History(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.history[id], "; ")
}

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{texts: map[string][]byte{}, deleted: map[string]string{}, history: map[string][]string{}}
}

// Created records a message's text (LF line endings).
func (m *Model) Created(id string, text []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.texts[id] = text
}

// Edited records a new text of message id saved by the reader. An edited
// message is a new message replacing the old one: an edit made after a
// deletion on the server brings the message back (the user's newer work
// is kept), so it is expected again.
func (m *Model) Edited(id string, text []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.texts[id] = text
	if how, ok := m.deleted[id]; ok {
		delete(m.deleted, id)
		m.history[id] = append(m.history[id], fmt.Sprintf("sync %d: edited by the reader after it was deleted %s (%d bytes)", m.epoch, how, len(text)))
		return
	}
	m.history[id] = append(m.history[id], fmt.Sprintf("sync %d: edited by the reader (%d bytes)", m.epoch, len(text)))
}

// Deleted records that the message id was deleted on purpose, and how
// (reported with a message that comes back).
func (m *Model) Deleted(id, how string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleted[id] = how
	m.history[id] = append(m.history[id], fmt.Sprintf("sync %d: deleted %s", m.epoch, how))
}

// Expected returns the texts of the messages that must exist, by
// Message-ID.
func (m *Model) Expected() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for id, t := range m.texts {
		if _, gone := m.deleted[id]; !gone {
			out[id] = t
		}
	}
	return out
}

// Text returns what the model holds for id.
func (m *Model) Text(id string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.texts[id]
	return t, ok
}

// Reader is the simulated mail reader over the Maildir at Root (fs
// layout). It is used by one goroutine.
type Reader struct {
	Root    string
	Folders []string // the folders it works in
	Model   *Model
	rng     *rand.Rand
	seed    uint64
	stash   string              // where emptied folders' files wait
	emptied map[string][]string // folder → stashed file paths (relative: sub/name)
	serial  int
	// Counts holds how many steps of each kind were taken.
	Counts [numOps]int
}

// NewReader returns a reader seeded with seed; stash is a directory
// outside the Maildir for emptied folders' files.
func NewReader(root, stash string, folders []string, model *Model, seed uint64) *Reader {
	return &Reader{Root: root, Folders: folders, Model: model, rng: rand.New(rand.NewPCG(seed, 0x5eed)),
		seed: seed, stash: stash, emptied: map[string][]string{}}
}

// weights says how often each step is tried, per 100.
var weights = [numOps]int{
	OpToggleFlags: 34, OpNewToCur: 12, OpMove: 12, OpDelete: 8, OpEdit: 10,
	OpCompose: 14, OpEmpty: 2, OpRestore: 8,
}

// Step takes one random step and returns its kind and whether it was
// taken (a step finding nothing to work on, or racing with the
// synchronizer, is not).
func (r *Reader) Step(ctx context.Context) (Op, bool, error) {
	n := r.rng.IntN(100)
	op := Op(0)
	for ; op < numOps-1; op++ {
		if n < weights[op] {
			break
		}
		n -= weights[op]
	}
	done, err := r.do(ctx, op)
	if done {
		r.Counts[op]++
	}
	return op, done, err
}

func (r *Reader) do(ctx context.Context, op Op) (bool, error) {
	switch op {
	case OpCompose:
		return true, r.compose()
	case OpEmpty:
		return r.empty(ctx)
	case OpRestore:
		return r.restoreOne()
	}
	folder := r.Folders[r.rng.IntN(len(r.Folders))]
	if _, gone := r.emptied[folder]; gone {
		return false, nil
	}
	f, err := maildir.LayoutFS.Open(r.Root, folder)
	if err != nil {
		return false, err
	}
	entries, err := f.Scan(ctx, maildir.ScanOptions{})
	if err != nil || len(entries) == 0 {
		return false, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].File < entries[j].File })
	e := entries[r.rng.IntN(len(entries))]
	err = r.onFile(ctx, op, folder, f, e)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist) {
		return false, nil // the synchronizer renamed or removed it meanwhile
	}
	return err == nil, err
}

func (r *Reader) onFile(ctx context.Context, op Op, folder string, f *maildir.Folder, e maildir.Entry) error {
	switch op {
	case OpToggleFlags:
		letters := []string{"", "S", "F", "FS", "RS", "FRS"}[r.rng.IntN(6)]
		_, err := f.SetFlags(ctx, e, maildir.ParseFlags(letters))
		return err
	case OpNewToCur:
		if e.Subdir != maildir.SubNew {
			return nil
		}
		return renameNoReplace(e.Path(f), filepath.Join(f.Path(), maildir.SubCur, e.Name.Unique+":2,"))
	case OpMove:
		to := r.Folders[r.rng.IntN(len(r.Folders))]
		if _, gone := r.emptied[to]; gone || to == folder {
			return nil
		}
		dst, err := maildir.LayoutFS.Path(r.Root, to)
		if err != nil {
			return err
		}
		if err := renameNoReplace(e.Path(f), filepath.Join(dst, e.Subdir, e.File)); err != nil {
			return err
		}
		if id, err := fileMessageID(filepath.Join(dst, e.Subdir, e.File)); err == nil {
			r.Model.Note(id, "moved by the reader from %s to %s", folder, to)
		}
		return nil
	case OpDelete:
		id, err := fileMessageID(e.Path(f))
		if err != nil {
			return err
		}
		if err := os.Remove(e.Path(f)); err != nil {
			return err
		}
		r.Model.Deleted(id, "by the reader in "+folder)
		return nil
	case OpEdit:
		return r.edit(f, e)
	}
	return fmt.Errorf("readersim: no step %v on a file", op)
}

// edit rewrites a message as an editor saving a draft does: a new file
// written in tmp/ and renamed over the old name (same name, same
// Message-ID, a new body, another inode).
func (r *Reader) edit(f *maildir.Folder, e maildir.Entry) error {
	id, err := fileMessageID(e.Path(f))
	if err != nil || id == "" {
		return err
	}
	r.serial++
	text := Message(id, fmt.Sprintf("edited %d", r.serial), r.rng.IntN(40))
	tmp := filepath.Join(f.Path(), maildir.SubTmp, fmt.Sprintf("readersim-edit-%d", r.serial))
	if err := os.WriteFile(tmp, text, 0o600); err != nil {
		return err
	}
	err = replaceExisting(tmp, e.Path(f))
	os.Remove(tmp) // the old text after the exchange, or the unused new one
	if err != nil {
		return err
	}
	r.Model.Edited(id, text)
	return nil
}

// compose saves a new message into a random folder, in cur/ with \Seen
// (a sent message) or in new/.
func (r *Reader) compose() error {
	folder := r.Folders[r.rng.IntN(len(r.Folders))]
	f, err := maildir.LayoutFS.Open(r.Root, folder)
	if err != nil {
		return err
	}
	r.serial++
	id := fmt.Sprintf("<local-%d-%d@readersim>", r.seed, r.serial)
	text := Message(id, "composed", r.rng.IntN(60))
	opts := maildir.DeliverOptions{New: true}
	if r.rng.IntN(2) == 0 {
		opts = maildir.DeliverOptions{Flags: maildir.ParseFlags("S")}
	}
	r.Model.Created(id, text) // before it is visible: a sync may copy it at once
	_, err = f.Deliver(context.Background(), strings.NewReader(string(text)), opts)
	return err
}

// empty moves every file of a folder out of the Maildir (a user
// "emptying" it by mistake, or a tool moving it away for a while).
func (r *Reader) empty(ctx context.Context) (bool, error) {
	folder := r.Folders[r.rng.IntN(len(r.Folders))]
	if _, gone := r.emptied[folder]; gone {
		return false, nil
	}
	f, err := maildir.LayoutFS.Open(r.Root, folder)
	if err != nil {
		return false, err
	}
	entries, err := f.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		return false, err
	}
	dir := filepath.Join(r.stash, strings.ReplaceAll(folder, "/", "_"))
	var moved []string
	for _, e := range entries {
		if err := os.MkdirAll(filepath.Join(dir, e.Subdir), 0o700); err != nil {
			return false, err
		}
		rel := filepath.Join(e.Subdir, e.File)
		err := os.Rename(e.Path(f), filepath.Join(dir, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		moved = append(moved, rel)
		if id, err := fileMessageID(filepath.Join(dir, rel)); err == nil {
			r.Model.Note(id, "emptied with %s", folder)
		}
	}
	r.emptied[folder] = moved
	return true, nil
}

// restoreOne puts an emptied folder's files back.
func (r *Reader) restoreOne() (bool, error) {
	for _, folder := range r.Folders { // in order: seeded runs repeat
		if _, ok := r.emptied[folder]; ok {
			return true, r.restore(folder)
		}
	}
	return false, nil
}

func (r *Reader) restore(folder string) error {
	dst, err := maildir.LayoutFS.Path(r.Root, folder)
	if err != nil {
		return err
	}
	dir := filepath.Join(r.stash, strings.ReplaceAll(folder, "/", "_"))
	for _, rel := range r.emptied[folder] {
		if err := renameNoReplace(filepath.Join(dir, rel), filepath.Join(dst, rel)); err != nil {
			return err
		}
		if id, err := fileMessageID(filepath.Join(dst, rel)); err == nil {
			r.Model.Note(id, "restored into %s", folder)
		}
	}
	delete(r.emptied, folder)
	return nil
}

// RestoreAll puts back every emptied folder's files.
func (r *Reader) RestoreAll() error {
	for _, folder := range r.Folders {
		if _, ok := r.emptied[folder]; ok {
			if err := r.restore(folder); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run takes steps until ctx ends, pausing pause between them, and returns
// the first error.
func (r *Reader) Run(ctx context.Context, pause time.Duration) error {
	t := time.NewTicker(pause)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, _, err := r.Step(ctx); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// renameNoReplace renames without replacing an existing file (link, then
// unlink), as mail readers move files between folders.
func renameNoReplace(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	return os.Remove(from)
}

// Message returns a message's text (LF line endings) with Message-ID id,
// a subject and lines of body.
func Message(id, subject string, lines int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: reader@example.org\nTo: user@example.org\nMessage-ID: %s\nSubject: %s\n"+
		"Date: Fri, 04 Dec 2026 10:00:00 +0000\n\n", id, subject)
	for i := 0; i <= lines; i++ {
		fmt.Fprintf(&b, "line %d of %s %s\n", i, id, subject)
	}
	return []byte(b.String())
}

// fileMessageID returns the Message-ID of a message file.
func fileMessageID(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return MessageID(data), nil
}

// MessageID returns the Message-ID header's value of text ("" if none);
// the simulator writes it on one line.
func MessageID(text []byte) string {
	for _, line := range strings.Split(string(text), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Message-ID") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
