package ui

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// Counts are the changes applied in one direction.
type Counts struct {
	New     int `json:"new"`     // messages copied
	Changed int `json:"changed"` // messages whose flags were updated
	Deleted int `json:"deleted"` // messages removed (or marked \Deleted)
	Moved   int `json:"moved"`   // messages moved to another mailbox
}

// Total is the sum of all counters.
func (c Counts) Total() int { return c.New + c.Changed + c.Deleted + c.Moved }

func (c Counts) plus(o Counts) Counts {
	return Counts{c.New + o.New, c.Changed + o.Changed, c.Deleted + o.Deleted, c.Moved + o.Moved}
}

// MailboxStats is the outcome of syncing one mailbox.
type MailboxStats struct {
	Pull      Counts // far → near (server to Maildir)
	Push      Counts // near → far (Maildir to server)
	Conflicts int    // changed on both sides since the last sync
	Skipped   int    // not copied: larger than max_size
	Held      int    // deletions held back by the deletion guard
	Errors    int    // messages that failed while the mailbox went on
	// Interrupted: the run was stopped (Ctrl-C, SIGTERM) before the
	// mailbox was done; what it did is counted and recorded.
	Interrupted bool
}

// Changes is the number of changes made (or, under dry run, planned).
func (s MailboxStats) Changes() int { return s.Pull.Total() + s.Push.Total() }

// Add adds o's counters to s.
func (s *MailboxStats) Add(o MailboxStats) {
	s.Pull, s.Push = s.Pull.plus(o.Pull), s.Push.plus(o.Push)
	s.Conflicts += o.Conflicts
	s.Skipped += o.Skipped
	s.Held += o.Held
	s.Errors += o.Errors
}

// MailboxResult is one finished mailbox, as listed in a summary.
type MailboxResult struct {
	Mailbox string
	Stats   MailboxStats
	Err     error // non-nil when the mailbox failed
}

// Reporter receives a run's events. Implementations are safe for concurrent
// use. Account and mailbox names are the user-facing ones (UTF-8, "/"
// between levels).
type Reporter interface {
	// MailboxStart announces work on a mailbox: messages and bytes to
	// transfer (0 when unknown).
	MailboxStart(account, mailbox string, messages int, bytes int64)
	// Progress adds messages and bytes done to the mailbox's count.
	Progress(account, mailbox string, messages int, bytes int64)
	// MailboxDone ends a mailbox with its counters; err non-nil means it failed.
	MailboxDone(account, mailbox string, stats MailboxStats, err error)
	// Warn reports a problem that did not stop anything; mailbox may be "".
	Warn(account, mailbox, msg string)
	// Error reports a failure not tied to one MailboxDone (login refused …);
	// account and mailbox may be "".
	Error(account, mailbox string, err error)
	// Action reports one message action; shown from VerboseMessages on
	// (a dry run's from VerboseMailboxes on).
	Action(account string, a Action)
	// Note reports mailbox-level detail (a mailbox created, a checkpoint
	// unusable); shown from VerboseMailboxes on.
	Note(account, mailbox, msg string)
	// AccountDone ends an account and shows its summary.
	AccountDone(account string)
	// ProgressLine returns a one-line snapshot of the run so far.
	ProgressLine() string
	// Close ends the run: stops bars and writes the final one-line summary.
	Close() error
}

// Mode selects the form of output.
type Mode int

// The output modes.
const (
	ModeAuto  Mode = iota // bars when Out is a terminal, plain otherwise
	ModePlain             // plain lines
	ModeBars              // progress bars, even when Out is not detected as a terminal
	ModeJSON              // one JSON object per line
)

// Options configure New.
type Options struct {
	Out   io.Writer // progress, results, summaries, JSON; required
	Err   io.Writer // warnings and errors in plain mode; nil means Out
	Mode  Mode
	Quiet bool // only errors and the final one-line summary
	// Verbose is the -v count: VerboseMailboxes, VerboseMessages. At 0 a
	// finished mailbox gets a line only when something happened in it.
	Verbose int
	DryRun  bool // nothing is changed: say "would"
	// Interval is the least time between two progress lines (plain: 5 s) or
	// two progress events of one mailbox (JSON: 1 s).
	Interval time.Duration
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// Terminal is the terminal that Out writes to when Out wraps it (a
	// filter that redacts secrets, say): bars take its size and redraw in
	// place on it. nil: Out itself, when it is a terminal.
	Terminal *os.File
}

// New returns the Reporter that o asks for.
func New(o Options) Reporter {
	if o.Err == nil {
		o.Err = o.Out
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	mode := o.Mode
	if mode == ModeAuto {
		mode = ModePlain
		if IsTerminal(o.Out) || (o.Terminal != nil && IsTerminal(o.Terminal)) {
			mode = ModeBars
		}
	}
	if mode == ModeJSON {
		if o.Interval <= 0 {
			o.Interval = time.Second
		}
		return newJSON(o)
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	return newText(o, mode == ModeBars && !o.Quiet)
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
