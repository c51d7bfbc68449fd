package ui

import (
	"encoding/json"
	"sync"
)

// jsonReporter writes one JSON object per event (see the package doc).
type jsonReporter struct {
	o     Options
	outMu sync.Mutex
	mu    sync.Mutex
	st    state
}

func newJSON(o Options) *jsonReporter {
	return &jsonReporter{o: o, st: newState(o.Now())}
}

// emit writes v as one line; encoding errors cannot happen for these types.
func (j *jsonReporter) emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	j.outMu.Lock()
	defer j.outMu.Unlock()
	_, _ = j.o.Out.Write(append(b, '\n'))
}

type mailboxStartEvent struct {
	Event    string `json:"event"`
	Account  string `json:"account"`
	Mailbox  string `json:"mailbox"`
	Messages int    `json:"messages"`
	Bytes    int64  `json:"bytes"`
}

type progressEvent struct {
	Event        string `json:"event"`
	Account      string `json:"account"`
	Mailbox      string `json:"mailbox"`
	MessagesDone int    `json:"messages_done"`
	BytesDone    int64  `json:"bytes_done"`
	Messages     int    `json:"messages"`
	Bytes        int64  `json:"bytes"`
}

// statsFields are the counters shared by mailbox_done and summary.
type statsFields struct {
	Pull      Counts `json:"pull"`
	Push      Counts `json:"push"`
	Conflicts int    `json:"conflicts"`
	Skipped   int    `json:"skipped"`
	Held      int    `json:"held"`
	Errors    int    `json:"errors"`
}

func fieldsOf(s MailboxStats) statsFields {
	return statsFields{s.Pull, s.Push, s.Conflicts, s.Skipped, s.Held, s.Errors}
}

type mailboxDoneEvent struct {
	Event   string `json:"event"`
	Account string `json:"account"`
	Mailbox string `json:"mailbox"`
	DryRun  bool   `json:"dry_run"`
	statsFields
	Error string `json:"error,omitempty"`
	// Refused: the error is a safety rule's refusal (see Refused), not a
	// failure.
	Refused bool `json:"refused,omitempty"`
}

type messageEvent struct {
	Event   string `json:"event"`
	Account string `json:"account,omitempty"`
	Mailbox string `json:"mailbox,omitempty"`
	Message string `json:"message"`
}

type summaryEvent struct {
	Event     string `json:"event"`
	Account   string `json:"account"`
	DryRun    bool   `json:"dry_run"`
	Mailboxes int    `json:"mailboxes"`
	Failed    int    `json:"failed"`
	statsFields
}

type doneEvent struct {
	Event     string `json:"event"`
	DryRun    bool   `json:"dry_run"`
	Accounts  int    `json:"accounts"`
	Mailboxes int    `json:"mailboxes"`
	Failed    int    `json:"failed"`
	// FailedAccounts counts accounts that failed as a whole (wrong
	// password, server unreachable), which have no failed mailbox to show.
	FailedAccounts int   `json:"failed_accounts"`
	Changes        int   `json:"changes"`
	Bytes          int64 `json:"bytes"`
	ElapsedMS      int64 `json:"elapsed_ms"`
}

type actionEvent struct {
	Event     string `json:"event"`
	Account   string `json:"account"`
	Mailbox   string `json:"mailbox"`
	DryRun    bool   `json:"dry_run"`
	Verb      string `json:"verb"`
	Side      string `json:"side"`
	UID       uint32 `json:"uid"`
	NewUID    uint32 `json:"new_uid,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Add       string `json:"add,omitempty"`
	Remove    string `json:"remove,omitempty"`
	Dest      string `json:"dest,omitempty"`
}

// Action implements Reporter: an "action" event from VerboseMessages on.
func (j *jsonReporter) Action(account string, a Action) {
	if !j.o.showActions() {
		return
	}
	j.emit(actionEvent{"action", account, a.Mailbox, j.o.DryRun, a.Verb, a.Side, a.UID, a.NewUID,
		a.MessageID, a.Subject, a.Add, a.Remove, a.Dest})
}

// Note implements Reporter: a "note" event from VerboseMailboxes on.
func (j *jsonReporter) Note(account, mailbox, msg string) {
	if j.o.Verbose >= VerboseMailboxes {
		j.emit(messageEvent{"note", account, mailbox, msg})
	}
}

// MailboxStart implements Reporter.
func (j *jsonReporter) MailboxStart(account, mailbox string, messages int, bytes int64) {
	j.mu.Lock()
	j.st.startMailbox(mboxKey{account, mailbox}, messages, bytes, j.o.Now())
	j.mu.Unlock()
	j.emit(mailboxStartEvent{"mailbox_start", account, mailbox, messages, bytes})
}

// Progress implements Reporter: an event at most once per Interval per mailbox.
func (j *jsonReporter) Progress(account, mailbox string, messages int, bytes int64) {
	now := j.o.Now()
	j.mu.Lock()
	f := j.st.progress(mboxKey{account, mailbox}, messages, bytes)
	var ev *progressEvent
	if f != nil && now.Sub(f.lastEvent) >= j.o.Interval {
		f.lastEvent = now
		ev = &progressEvent{"progress", account, mailbox, f.doneMsgs, f.doneBytes, f.messages, f.bytes}
	}
	j.mu.Unlock()
	if ev != nil {
		j.emit(ev)
	}
}

// MailboxDone implements Reporter.
func (j *jsonReporter) MailboxDone(account, mailbox string, stats MailboxStats, err error) {
	j.mu.Lock()
	j.st.finishMailbox(mboxKey{account, mailbox}, stats, err)
	j.mu.Unlock()
	ev := mailboxDoneEvent{Event: "mailbox_done", Account: account, Mailbox: mailbox,
		DryRun: j.o.DryRun, statsFields: fieldsOf(stats)}
	if err != nil {
		ev.Error, ev.Refused = err.Error(), isRefused(err)
	}
	j.emit(ev)
}

// Warn implements Reporter.
func (j *jsonReporter) Warn(account, mailbox, msg string) {
	j.emit(messageEvent{"warning", account, mailbox, msg})
}

// Error implements Reporter.
func (j *jsonReporter) Error(account, mailbox string, err error) {
	if account != "" && mailbox == "" {
		j.mu.Lock()
		j.st.failAccount(account)
		j.mu.Unlock()
	}
	j.emit(messageEvent{"error", account, mailbox, err.Error()})
}

// AccountDone implements Reporter: a summary event for the account.
func (j *jsonReporter) AccountDone(account string) {
	j.mu.Lock()
	j.st.seeAccount(account)
	j.st.accountsDone++
	results := j.st.results[account]
	j.mu.Unlock()
	var total MailboxStats
	failed := 0
	for _, r := range results {
		total.Add(r.Stats)
		if isFailure(r.Err) {
			failed++
		}
	}
	j.emit(summaryEvent{"summary", account, j.o.DryRun, len(results), failed, fieldsOf(total)})
}

// ProgressLine implements Reporter.
func (j *jsonReporter) ProgressLine() string {
	now := j.o.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.st.progressLine(now)
}

// Close implements Reporter: the final "done" event. Calling it again does nothing.
func (j *jsonReporter) Close() error {
	now := j.o.Now()
	j.mu.Lock()
	if j.st.closed {
		j.mu.Unlock()
		return nil
	}
	j.st.closed = true
	ev := doneEvent{"done", j.o.DryRun, len(j.st.accounts), j.st.mailboxes, j.st.failed,
		j.st.failedAccounts(), j.st.grand.Changes(), j.st.doneBytes, now.Sub(j.st.start).Milliseconds()}
	j.mu.Unlock()
	j.emit(ev)
	return nil
}
