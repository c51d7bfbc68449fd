package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// BatchOptions configures a Batch.
type BatchOptions struct {
	// SyncFS makes Commit flush data with one syncfs(2) call per folder
	// instead of one fsync per file (16 in flight at a time). It can be
	// faster for big batches on a quiet machine, but it also flushes every
	// other program's dirty data on that file system, so on a busy one it
	// can be much slower. Ignored (per-file fsync) where syncfs is
	// unavailable.
	SyncFS bool
}

// Batch delivers many messages, possibly into several folders, and makes
// them durable together, so that a synchronizer can record a whole batch in
// its state once instead of paying two fsyncs per message.
//
// The guarantee: when Commit returns nil, every message delivered through
// the batch is complete and durable in its new/ or cur/ directory under the
// name Deliver returned, and every SetFlags, MoveTo or Remove done through
// the batch is durable too. Before Commit, delivered messages exist only
// in tmp/ and are not visible to readers. A caller must record a batch's
// results in its state only after Commit returned nil; if Commit fails or
// the process dies first, any subset of the batch may be in place (each
// message either complete under its returned name or absent), and the
// caller must find out which (e.g. by scanning).
//
// Commit orders its work so that no partial file can ever appear in new/ or
// cur/: (1) flush the data of every staged file (fsync each, several in
// flight so the file system can group its journal commits; or syncfs),
// (2) rename each into place without replacing anything, (3) fsync every
// touched directory.
//
// A Batch is safe for concurrent use. After Commit (or Abort) it is empty
// and can be used again.
type Batch struct {
	opts   BatchOptions
	mu     sync.Mutex
	staged []*staged
	dirs   map[string]*Folder // directories to fsync at Commit
}

// NewBatch returns an empty batch.
func NewBatch(opts BatchOptions) *Batch {
	return &Batch{opts: opts, dirs: map[string]*Folder{}}
}

// Len returns the number of staged deliveries.
func (b *Batch) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.staged)
}

// Deliver writes a message into f's tmp/ (as Folder.Deliver does, without
// any fsync) and returns the entry it will have once Commit succeeds.
func (b *Batch) Deliver(ctx context.Context, f *Folder, r io.Reader, opts DeliverOptions) (Entry, error) {
	s, file, err := f.writeTmp(ctx, r, opts)
	if err != nil {
		return Entry{}, err
	}
	if err := file.Close(); err != nil {
		os.Remove(s.tmpPath)
		return Entry{}, fmt.Errorf("maildir: close %s: %w", s.tmpPath, err)
	}
	b.mu.Lock()
	b.staged = append(b.staged, s)
	b.mu.Unlock()
	return s.entry, nil
}

// SetFlags renames e as Folder.SetFlags does, at once, and leaves the
// directory fsync to Commit.
func (b *Batch) SetFlags(ctx context.Context, f *Folder, e Entry, flags Flags) (Entry, error) {
	ne, dirs, err := f.setFlags(ctx, e, flags)
	if err != nil {
		return Entry{}, err
	}
	b.touch(f, dirs...)
	return ne, nil
}

// MoveTo moves e into dst as Folder.MoveTo does, at once, and leaves the
// directory fsyncs to Commit.
func (b *Batch) MoveTo(ctx context.Context, f *Folder, e Entry, dst *Folder) (Entry, error) {
	dirs, err := f.moveTo(ctx, e, dst)
	if err != nil {
		return Entry{}, err
	}
	b.touch(f, dirs...)
	return e, nil
}

// Remove deletes e as Folder.Remove does, at once, and leaves the
// directory fsync to Commit.
func (b *Batch) Remove(ctx context.Context, f *Folder, e Entry) error {
	dir, err := f.remove(ctx, e)
	if err != nil {
		return err
	}
	b.touch(f, dir)
	return nil
}

func (b *Batch) touch(f *Folder, dirs ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range dirs {
		b.dirs[d] = f
	}
}

// take empties the batch and returns what it held.
func (b *Batch) take() ([]*staged, map[string]*Folder) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, dirs := b.staged, b.dirs
	b.staged, b.dirs = nil, map[string]*Folder{}
	return st, dirs
}

// Commit makes the batch durable (see Batch for the guarantee and the
// order of operations). On error, staged files not yet renamed are removed
// from tmp/ (unless the error came from a step hook, a simulated crash).
// A cancelled ctx does not stop a commit: the staged messages are already
// written, and delivering them is how an interrupted run keeps its work.
func (b *Batch) Commit(ctx context.Context) error {
	st, dirs := b.take()
	err := b.commit(ctx, st, dirs)
	if err != nil && !isHookErr(err) {
		for _, s := range st {
			os.Remove(s.tmpPath) // renamed ones are gone from tmp/ already
		}
	}
	return err
}

func (b *Batch) commit(_ context.Context, st []*staged, dirs map[string]*Folder) error {
	if err := b.syncData(st); err != nil {
		return err
	}
	for _, s := range st {
		if err := s.rename(); err != nil {
			return err
		}
		dirs[filepath.Dir(s.finalPath())] = s.folder
	}
	for d, f := range dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("maildir: batch commit: %w", err)
		}
		if err := f.step(StepDirSynced, d); err != nil {
			return err
		}
	}
	return nil
}

// syncData flushes the data of every staged file: syncfs once per folder
// root when asked and available, else fsync per file.
func (b *Batch) syncData(st []*staged) error {
	if len(st) == 0 {
		return nil
	}
	if b.opts.SyncFS && haveSyncFS {
		return syncDataFS(st)
	}
	if err := fsyncAll(st); err != nil {
		return fmt.Errorf("maildir: batch commit: %w", err)
	}
	for _, s := range st {
		if err := s.folder.step(StepSynced, s.tmpPath); err != nil {
			return err
		}
	}
	return nil
}

// fsyncWorkers is how many fsyncs a Commit keeps in flight. Concurrent
// fsyncs let the file system group their journal commits (ext4, xfs),
// which is where most of a batch's gain over single deliveries comes from.
const fsyncWorkers = 16

// fsyncAll fsyncs every staged file, fsyncWorkers at a time, and returns
// the first error.
func fsyncAll(st []*staged) error {
	jobs := make(chan string)
	errs := make(chan error, fsyncWorkers)
	var wg sync.WaitGroup
	for range min(fsyncWorkers, len(st)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for p := range jobs {
				if err := fsyncPath(p); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for _, s := range st {
		jobs <- s.tmpPath
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// syncDataFS calls syncfs once per distinct folder (folders usually share
// one file system, so the later calls find nothing to do and are cheap).
func syncDataFS(st []*staged) error {
	done := map[*Folder]bool{}
	for _, s := range st {
		if done[s.folder] {
			continue
		}
		done[s.folder] = true
		if err := syncFS(s.folder.path); err != nil {
			return fmt.Errorf("maildir: batch commit: syncfs %s: %w", s.folder.path, err)
		}
	}
	for _, s := range st {
		if err := s.folder.step(StepSynced, s.tmpPath); err != nil {
			return err
		}
	}
	return nil
}

// Abort removes the staged (uncommitted) deliveries from tmp/ and forgets
// pending directory syncs. SetFlags and Remove already done stay done.
func (b *Batch) Abort() error {
	st, _ := b.take()
	var errs []error
	for _, s := range st {
		if err := os.Remove(s.tmpPath); err != nil {
			errs = append(errs, fmt.Errorf("maildir: abort: %w", err))
		}
	}
	return errors.Join(errs...)
}

// fsyncPath opens a file and fsyncs it (fsync works on a read-only
// descriptor and flushes all of the file's dirty data).
func fsyncPath(path string) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	err = file.Sync()
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}
