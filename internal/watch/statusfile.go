package watch

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// StatusFileName is the file, next to the account lock in the Maildir
// root, where a running watch says what it is doing.
const StatusFileName = ".imapdir-watch.json"

// Status is the content of the status file.
type Status struct {
	PID        int       `json:"pid"`
	Since      time.Time `json:"since"`
	Connection string    `json:"connection,omitempty"` // last connection state
	LastEvent  *Event    `json:"last_event,omitempty"`
	LastSync   time.Time `json:"last_sync,omitzero"`
}

// ReadStatus reads the status file of the Maildir at root; found is false
// when there is none (no watch ran, or it stopped cleanly).
func ReadStatus(root string) (st Status, found bool, err error) {
	b, err := os.ReadFile(filepath.Join(root, StatusFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	return st, true, json.Unmarshal(b, &st)
}

// statusWriter keeps an account's status file current.
type statusWriter struct {
	path string
	mu   sync.Mutex
	st   Status
}

func newStatusWriter(root string, now time.Time) *statusWriter {
	return &statusWriter{path: filepath.Join(root, StatusFileName), st: Status{PID: os.Getpid(), Since: now}}
}

// event records ev and rewrites the file (atomically: a temporary file
// renamed over it). Errors are ignored: the file is informative only.
func (w *statusWriter) event(ev Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := ev
	w.st.LastEvent = &e
	switch ev.Kind {
	case EventConnection:
		w.st.Connection = ev.State + " " + ev.Detail
	case EventSynced:
		w.st.LastSync = ev.Time
	}
	w.write()
}

func (w *statusWriter) write() {
	b, err := json.Marshal(w.st)
	if err != nil {
		return
	}
	tmp := w.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return
	}
	_ = os.Rename(tmp, w.path)
}

// remove deletes the file when the watch stops.
func (w *statusWriter) remove() {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = os.Remove(w.path)
}
