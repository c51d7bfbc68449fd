package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/ui"
)

// The action log: one file per account under the state directory
// ($XDG_STATE_HOME/imapdir/actions-ACCOUNT.log) with one line per message
// action a run made (ui.ActionLine, after an RFC 3339 UTC time), so that
// "where did my mail go" has an answer after the fact. A file that grows
// past actionLogMax is renamed to .1 (the older ones to .2, .3; the
// oldest dropped) and a new one started.
const (
	actionLogMax  = 4 << 20
	actionLogKeep = 3
)

// actionLogPath is the action log of account in dir.
func actionLogPath(dir, account string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, account)
	return filepath.Join(dir, "actions-"+safe+".log")
}

// actionLog appends action lines to one account's log; safe for
// concurrent use. A write error is kept and reported once by close.
type actionLog struct {
	path string
	now  func() time.Time
	mu   sync.Mutex
	f    *os.File
	size int64
	err  error
}

// actionLogDir is the directory of the action logs.
func (st *runState) actionLogDir() (string, error) {
	if st.stateDir != "" {
		return st.stateDir, nil
	}
	dir, ok := config.StateDir(st.app.Env)
	if !ok {
		return "", errors.New("action log: neither XDG_STATE_HOME nor the home directory is known")
	}
	return dir, nil
}

// openActionLog opens the account's action log for a run; when it cannot,
// the run goes on without and a warning says why.
func (st *runState) openActionLog(rep ui.Reporter, account string) *actionLog {
	dir, err := st.actionLogDir()
	var l *actionLog
	if err == nil {
		l, err = openActionLog(dir, account, st.app.Now)
	}
	if err != nil {
		rep.Warn(account, "", err.Error()+"; message actions are not logged")
		return nil
	}
	return l
}

// openActionLog opens (creating) the action log of account in dir.
func openActionLog(dir, account string, now func() time.Time) (*actionLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("action log: %w", err)
	}
	l := &actionLog{path: actionLogPath(dir, account), now: now}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *actionLog) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("action log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("action log: %w", err)
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// write appends one action.
func (l *actionLog) write(a ui.Action) {
	line := l.now().UTC().Format(time.RFC3339) + " " + ui.ActionLine(a, false) + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil || l.f == nil {
		return
	}
	if l.size+int64(len(line)) > actionLogMax && l.size > 0 {
		if l.err = l.rotate(); l.err != nil {
			return
		}
	}
	n, err := io.WriteString(l.f, line)
	l.size += int64(n)
	if err != nil {
		l.err = fmt.Errorf("action log %s: %w", l.path, err)
	}
}

// rotate renames the full log to .1 (shifting the older ones) and opens a
// new one.
func (l *actionLog) rotate() error {
	l.f.Close()
	l.f = nil
	for i := actionLogKeep - 1; i >= 1; i-- {
		err := os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("action log: %w", err)
		}
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return fmt.Errorf("action log: %w", err)
	}
	return l.open()
}

// close closes the file and returns the first error met; a nil log is
// closed already.
func (l *actionLog) close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		if err := l.f.Close(); err != nil && l.err == nil {
			l.err = fmt.Errorf("action log %s: %w", l.path, err)
		}
		l.f = nil
	}
	return l.err
}

// actionLogFiles returns the account's log files, oldest first, that exist.
func actionLogFiles(dir, account string) []string {
	base := actionLogPath(dir, account)
	var out []string
	for i := actionLogKeep; i >= 0; i-- {
		p := base
		if i > 0 {
			p = fmt.Sprintf("%s.%d", base, i)
		}
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// printActionLog copies the lines of the account's logs stamped at or
// after since to w, oldest first; it returns how many it printed.
func printActionLog(w io.Writer, dir, account string, since time.Time) (int, error) {
	n := 0
	for _, p := range actionLogFiles(dir, account) {
		f, err := os.Open(p)
		if err != nil {
			return n, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			stamp, _, _ := strings.Cut(line, " ")
			if t, err := time.Parse(time.RFC3339, stamp); err == nil && t.Before(since) {
				continue
			}
			if _, err := fmt.Fprintln(w, line); err != nil {
				f.Close()
				return n, err
			}
			n++
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return n, fmt.Errorf("%s: %w", p, err)
		}
	}
	return n, nil
}
