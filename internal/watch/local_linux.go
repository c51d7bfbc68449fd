package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/imapdir/imapdir/maildir"
)

// Events watched: in new/ and cur/, a message file arriving, leaving or
// being renamed (a flag change is a rename); on folder directories, a
// subdirectory arriving (a new folder); on the barrier directory, its
// attributes.
const (
	msgMask     = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE | unix.IN_DELETE_SELF
	dirMask     = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE | unix.IN_ONLYDIR
	barrierMask = unix.IN_ATTRIB
)

// localWatch reports changes in an account's Maildir folders through
// inotify(7). It owns one inotify instance and one reader goroutine.
type localWatch struct {
	root   string
	layout maildir.Layout
	f      *os.File
	fd     int

	mu       sync.Mutex
	wds      map[int32]watched
	changed  map[string]bool // mailbox names
	full     bool            // folders appeared or vanished, or the queue overflowed
	barrier  string          // private directory touched by Barrier
	barrierW int32
	waiters  []chan struct{} // Barrier calls waiting for their event
	wake     chan struct{}
	done     chan struct{}
}

// watched is what one watch descriptor stands for.
type watched struct {
	mailbox string // for new/ and cur/
	dir     string // a folder directory (or the root) watched for new folders
}

// startLocal watches every folder of the Maildir at root.
func startLocal(ctx context.Context, root string, layout maildir.Layout) (*localWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	l := &localWatch{root: root, layout: layout, fd: fd, f: os.NewFile(uintptr(fd), "inotify"),
		wds: map[int32]watched{}, changed: map[string]bool{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if err := l.setup(ctx); err != nil {
		l.f.Close()
		return nil, err
	}
	go l.read()
	return l, nil
}

func (l *localWatch) setup(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "imapdir-watch-")
	if err != nil {
		return err
	}
	l.barrier = dir
	wd, err := unix.InotifyAddWatch(l.fd, dir, barrierMask)
	if err != nil {
		return fmt.Errorf("inotify on %s: %w", dir, err)
	}
	l.barrierW = int32(wd)
	return l.rescan(ctx)
}

// rescan adds watches for every folder there is (inotify ignores a watch
// added twice).
func (l *localWatch) rescan(ctx context.Context) error {
	lst, err := l.layout.List(ctx, l.root)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addDir(l.root)
	for _, name := range lst.Names {
		dir, err := l.layout.Path(l.root, name)
		if err != nil {
			continue
		}
		l.addDir(dir)
		for _, sub := range []string{"new", "cur"} {
			if wd, err := unix.InotifyAddWatch(l.fd, filepath.Join(dir, sub), msgMask); err == nil {
				l.wds[int32(wd)] = watched{mailbox: name}
			}
		}
	}
	return nil
}

// addDir watches a folder directory for subfolders. Caller holds l.mu.
func (l *localWatch) addDir(dir string) {
	if !l.layout.Nested() && dir != l.root {
		return // maildir++ folders all live in the root
	}
	if wd, err := unix.InotifyAddWatch(l.fd, dir, dirMask); err == nil {
		l.wds[int32(wd)] = watched{dir: dir}
	}
}

// addSubdir watches a new directory under a watched one, so that its
// cur/ and new/, made next, are seen and it is watched as a folder then.
// Caller holds l.mu.
func (l *localWatch) addSubdir(parent, name string) {
	switch name {
	case "", "cur", "new", "tmp":
		return
	}
	if !l.layout.Nested() && parent != l.root {
		return
	}
	dir := filepath.Join(parent, name)
	if wd, err := unix.InotifyAddWatch(l.fd, dir, dirMask); err == nil {
		if _, known := l.wds[int32(wd)]; !known {
			l.wds[int32(wd)] = watched{dir: dir}
		}
	}
}

// eventName is an event's file name (NUL-padded).
func eventName(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// read decodes events until the instance is closed.
func (l *localWatch) read() {
	defer close(l.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := l.f.Read(buf)
		if err != nil {
			return // closed
		}
		l.decode(buf[:n])
	}
}

func (l *localWatch) decode(b []byte) {
	folders := false
	l.mu.Lock()
	for len(b) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		size := unix.SizeofInotifyEvent + int(ev.Len)
		if size > len(b) {
			break
		}
		b0 := b
		b = b[size:]
		switch w, ok := l.wds[ev.Wd]; {
		case ev.Mask&unix.IN_Q_OVERFLOW != 0:
			l.full, folders = true, true
		case ev.Wd == l.barrierW:
			for _, ch := range l.waiters {
				close(ch)
			}
			l.waiters = nil
		case !ok:
		case ev.Mask&unix.IN_IGNORED != 0:
			delete(l.wds, ev.Wd)
			l.full = true
		case w.mailbox != "":
			l.changed[w.mailbox] = true
		case ev.Mask&unix.IN_ISDIR != 0:
			l.full, folders = true, true
			if ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
				l.addSubdir(w.dir, eventName(b0[unix.SizeofInotifyEvent:size]))
			}
		}
	}
	l.mu.Unlock()
	if folders {
		_ = l.rescan(context.Background())
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Changes is signaled when Take has something.
func (l *localWatch) Changes() <-chan struct{} { return l.wake }

// Take returns and clears the mailboxes changed, and whether folders
// appeared or vanished (or events were lost) so that a full sync is due.
func (l *localWatch) Take() (names []string, full bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := range l.changed {
		names = append(names, n)
	}
	full = l.full
	l.changed, l.full = map[string]bool{}, false
	return names, full
}

// Barrier returns once every event queued before the call has been
// decoded: it changes the barrier directory's times and waits for that
// event, which inotify queues behind all earlier ones.
func (l *localWatch) Barrier() error {
	ch := make(chan struct{})
	l.mu.Lock()
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	now := time.Now()
	if err := os.Chtimes(l.barrier, now, now); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-l.done:
		return errors.New("inotify closed")
	case <-time.After(5 * time.Second):
		return errors.New("inotify barrier: no event within 5 s")
	}
}

// Close stops watching.
func (l *localWatch) Close() error {
	err := l.f.Close()
	<-l.done
	return errors.Join(err, os.RemoveAll(l.barrier))
}
