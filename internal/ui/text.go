package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// textReporter writes plain lines, with progress bars when bars is set.
// It computes under mu and writes after releasing it, so that a slow
// writer or the bar renderer never holds other goroutines up.
type textReporter struct {
	o     Options
	outMu sync.Mutex // keeps each write whole
	bars  *barSet    // nil: plain lines

	mu       sync.Mutex
	st       state
	lastLine time.Time
}

func newText(o Options, bars bool) *textReporter {
	now := o.Now()
	t := &textReporter{o: o, st: newState(now), lastLine: now}
	if bars {
		t.bars = newBarSet(o.Out, o.Terminal)
	}
	return t
}

// print writes lines to Out (toErr false) or Err; above the bars when there are bars.
func (t *textReporter) print(toErr bool, lines ...string) {
	if len(lines) == 0 {
		return
	}
	text := strings.Join(lines, "\n") + "\n"
	if t.bars != nil && t.bars.print(text) {
		return
	}
	w := t.o.Out
	if toErr {
		w = t.o.Err
	}
	t.outMu.Lock()
	defer t.outMu.Unlock()
	_, _ = io.WriteString(w, text)
}

// MailboxStart implements Reporter.
func (t *textReporter) MailboxStart(account, mailbox string, messages int, bytes int64) {
	k := mboxKey{account, mailbox}
	t.mu.Lock()
	t.st.startMailbox(k, messages, bytes, t.o.Now())
	t.mu.Unlock()
	if t.bars != nil {
		t.bars.start(k, messages, bytes)
	}
}

// Progress implements Reporter; in plain mode it prints ProgressLine at
// most once per Interval.
func (t *textReporter) Progress(account, mailbox string, messages int, bytes int64) {
	k := mboxKey{account, mailbox}
	now := t.o.Now()
	t.mu.Lock()
	t.st.progress(k, messages, bytes)
	var line string
	if t.bars == nil && !t.o.Quiet && now.Sub(t.lastLine) >= t.o.Interval {
		t.lastLine = now
		line = t.st.progressLine(now)
	}
	t.mu.Unlock()
	if t.bars != nil {
		t.bars.progress(k, messages, bytes)
	}
	if line != "" {
		t.print(false, line)
	}
}

// MailboxDone implements Reporter.
func (t *textReporter) MailboxDone(account, mailbox string, stats MailboxStats, err error) {
	k := mboxKey{account, mailbox}
	t.mu.Lock()
	t.st.finishMailbox(k, stats, err)
	t.mu.Unlock()
	if t.bars != nil {
		t.bars.done(k, err != nil)
	}
	line := mailboxLine(k, stats, err, t.o.DryRun)
	switch {
	case err != nil:
		t.print(true, line)
	case t.o.Quiet:
	case t.o.Verbose >= VerboseMailboxes || stats.Changes() > 0 || len(extrasPhrases(stats, false)) > 0 || stats.Interrupted:
		t.print(false, line)
	}
}

// Action implements Reporter.
func (t *textReporter) Action(account string, a Action) {
	if t.o.showActions() && !t.o.Quiet {
		t.print(false, account+"/"+ActionLine(a, t.o.DryRun))
	}
}

// Note implements Reporter.
func (t *textReporter) Note(account, mailbox, msg string) {
	if t.o.Verbose >= VerboseMailboxes && !t.o.Quiet {
		t.print(false, where(account, mailbox)+msg)
	}
}

// Warn implements Reporter.
func (t *textReporter) Warn(account, mailbox, msg string) {
	if !t.o.Quiet {
		t.print(true, "warning: "+where(account, mailbox)+msg)
	}
}

// Error implements Reporter.
func (t *textReporter) Error(account, mailbox string, err error) {
	if account != "" && mailbox == "" {
		t.mu.Lock()
		t.st.failAccount(account)
		t.mu.Unlock()
	}
	t.print(true, fmt.Sprintf("error: %s%v", where(account, mailbox), err))
}

func where(account, mailbox string) string {
	if account == "" && mailbox == "" {
		return ""
	}
	return mboxKey{account, mailbox}.String() + ": "
}

// AccountDone implements Reporter: it prints the account's summary table.
func (t *textReporter) AccountDone(account string) {
	t.mu.Lock()
	t.st.seeAccount(account)
	t.st.accountsDone++
	results := t.st.accountResults(account)
	failed := t.st.accountFailed[account]
	t.mu.Unlock()
	if t.o.Quiet || (failed && len(results) == 0) {
		return // the error said it; an empty table would read as "nothing to do"
	}
	var b strings.Builder
	_ = WriteSummary(&b, account, results, t.o.DryRun)
	t.print(false, strings.TrimSuffix(b.String(), "\n"))
}

// ProgressLine implements Reporter.
func (t *textReporter) ProgressLine() string {
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st.progressLine(now)
}

// Close implements Reporter: it stops the bars and prints the final line.
// Calling it again does nothing.
func (t *textReporter) Close() error {
	now := t.o.Now()
	t.mu.Lock()
	if t.st.closed {
		t.mu.Unlock()
		return nil
	}
	t.st.closed = true
	line := finalLine(&t.st, now.Sub(t.st.start), t.o.DryRun)
	t.mu.Unlock()
	if t.bars != nil {
		t.bars.stop()
	}
	t.print(false, line)
	return nil
}
