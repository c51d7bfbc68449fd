package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// mboxKey names one mailbox of one account.
type mboxKey struct{ account, mailbox string }

func (k mboxKey) String() string {
	if k.mailbox == "" {
		return k.account
	}
	return k.account + "/" + k.mailbox
}

// flight is a mailbox being synced.
type flight struct {
	messages, doneMsgs int
	bytes, doneBytes   int64
	lastEvent          time.Time // last progress line/event about it
}

// state is what every Reporter tracks; callers hold mu.
type state struct {
	start    time.Time
	active   map[mboxKey]*flight
	results  map[string][]MailboxResult // finished mailboxes per account
	accounts []string                   // in first-seen order
	closed   bool

	// over the whole run
	plannedMsgs, doneMsgs   int
	plannedBytes, doneBytes int64
	mailboxes, failed       int
	accountsDone            int
	accountFailed           map[string]bool // accounts that failed as a whole
	grand                   MailboxStats
}

func newState(now time.Time) state {
	return state{start: now, active: map[mboxKey]*flight{}, results: map[string][]MailboxResult{}}
}

// failAccount records an account-level failure (the account could not be
// synced at all: wrong password, server unreachable, locked).
func (s *state) failAccount(account string) {
	s.seeAccount(account)
	if s.accountFailed == nil {
		s.accountFailed = map[string]bool{}
	}
	s.accountFailed[account] = true
}

// failedAccounts counts the accounts that failed as a whole.
func (s *state) failedAccounts() int { return len(s.accountFailed) }

func (s *state) seeAccount(account string) {
	if account == "" {
		return
	}
	if _, ok := s.results[account]; !ok {
		s.results[account] = nil
		s.accounts = append(s.accounts, account)
	}
}

func (s *state) startMailbox(k mboxKey, messages int, bytes int64, now time.Time) *flight {
	s.seeAccount(k.account)
	f := &flight{messages: messages, bytes: bytes, lastEvent: now}
	if old, ok := s.active[k]; ok { // restarted: forget the first attempt's plan
		s.plannedMsgs -= old.messages
		s.plannedBytes -= old.bytes
	}
	s.active[k] = f
	s.plannedMsgs += messages
	s.plannedBytes += bytes
	return f
}

// progress records work done; it returns the mailbox's flight (nil when
// the mailbox was never started).
func (s *state) progress(k mboxKey, messages int, bytes int64) *flight {
	s.doneMsgs += messages
	s.doneBytes += bytes
	f := s.active[k]
	if f != nil {
		f.doneMsgs += messages
		f.doneBytes += bytes
	}
	return f
}

func (s *state) finishMailbox(k mboxKey, stats MailboxStats, err error) {
	s.seeAccount(k.account)
	delete(s.active, k)
	s.results[k.account] = append(s.results[k.account], MailboxResult{Mailbox: k.mailbox, Stats: stats, Err: err})
	s.mailboxes++
	if isFailure(err) {
		s.failed++
	}
	s.grand.Add(stats)
}

// accountResults returns the account's finished mailboxes sorted for
// display: INBOX first, then by name.
func (s *state) accountResults(account string) []MailboxResult {
	out := append([]MailboxResult(nil), s.results[account]...)
	sort.SliceStable(out, func(i, j int) bool { return mailboxLess(out[i].Mailbox, out[j].Mailbox) })
	return out
}

func mailboxLess(a, b string) bool {
	if (a == "INBOX") != (b == "INBOX") {
		return a == "INBOX"
	}
	return a < b
}

// progressLine is ProgressLine's text: what is done, the rate, the ETA and
// the mailboxes in flight (at most three named).
func (s *state) progressLine(now time.Time) string {
	elapsed := now.Sub(s.start)
	var b strings.Builder
	fmt.Fprintf(&b, "%d mailboxes done", s.mailboxes)
	if s.failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", s.failed)
	}
	fmt.Fprintf(&b, ", %d/%d messages, %s/%s", s.doneMsgs, s.plannedMsgs,
		FormatBytes(s.doneBytes), FormatBytes(s.plannedBytes))
	if rate := perSecond(s.doneBytes, elapsed); rate > 0 {
		fmt.Fprintf(&b, ", %s/s", FormatBytes(int64(rate)))
		if left := s.plannedBytes - s.doneBytes; left > 0 {
			fmt.Fprintf(&b, ", ETA %s", FormatDuration(time.Duration(float64(left)/rate*float64(time.Second))))
		}
	}
	fmt.Fprintf(&b, ", %s elapsed", FormatDuration(elapsed))
	if names := s.activeNames(); len(names) > 0 {
		b.WriteString("; syncing " + names)
	}
	return b.String()
}

func (s *state) activeNames() string {
	keys := make([]string, 0, len(s.active))
	for k := range s.active {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	if len(keys) > 3 {
		keys = append(keys[:3], fmt.Sprintf("+%d more", len(keys)-3))
	}
	return strings.Join(keys, ", ")
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// FormatBytes formats n with binary units: "512 B", "1.5 KiB", "20.0 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// FormatDuration formats d for people: "850ms", "4.2s", "3m20s", "1h05m".
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
