package ui

import (
	"errors"
	"sync"
	"time"
)

// fakeClock is a settable clock for deterministic rates, ETAs and intervals.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// safeBuffer is a bytes.Buffer safe for concurrent writers.
type safeBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// sampleResults is one account's results with every kind of counter.
func sampleResults() []MailboxResult {
	return []MailboxResult{
		{Mailbox: "INBOX", Stats: MailboxStats{
			Pull: Counts{New: 1200, Changed: 3}, Push: Counts{New: 1}, Skipped: 1, Conflicts: 2}},
		{Mailbox: "Archive/2024", Stats: MailboxStats{Pull: Counts{New: 40, Deleted: 2, Moved: 1}, Held: 60}},
		{Mailbox: "Entwürfe", Stats: MailboxStats{Push: Counts{Changed: 5, Deleted: 1}, Errors: 1}},
		{Mailbox: "Sent"},
		{Mailbox: "Junk/Old", Stats: MailboxStats{Pull: Counts{New: 7}}, Err: errors.New("connection reset by peer")},
	}
}

// script plays one account's sync on r, advancing the clock between events.
func script(r Reporter, c *fakeClock) {
	r.MailboxStart("work", "INBOX", 1201, 30<<20)
	r.MailboxStart("work", "Sent", 0, 0)
	r.Note("work", "Projects", `created near mailbox "Projects"`)
	r.Action("work", Action{Mailbox: "INBOX", Verb: "pull", Side: "near", UID: 12, NewUID: 7, MessageID: "lunch@example.com", Subject: "Lunch?"})
	r.Action("work", Action{Mailbox: "INBOX", Verb: "push", Side: "far", UID: 3, MessageID: "draft@example.com", Subject: "Re: \x1b[31mred\x1b[0m"})
	r.Action("work", Action{Mailbox: "INBOX", Verb: "flag", Side: "far", UID: 9, Add: `\Seen \Flagged`, Remove: "$Junk", MessageID: "a b@x"})
	r.Action("work", Action{Mailbox: "INBOX", Verb: "delete", Side: "near", UID: 4, MessageID: "gone@example.com"})
	r.Action("work", Action{Mailbox: "INBOX", Verb: "move", Side: "far", UID: 5, NewUID: 40, Dest: "Archive/2026", MessageID: "m@example.com"})
	for range 12 {
		c.Advance(time.Second)
		r.Progress("work", "INBOX", 100, 2<<20)
	}
	r.Warn("work", "INBOX", "message UID 17 has no Message-ID")
	r.MailboxDone("work", "Sent", MailboxStats{}, nil)
	r.Progress("work", "INBOX", 1, 6<<20)
	r.MailboxDone("work", "INBOX", sampleResults()[0].Stats, nil)
	r.MailboxStart("work", "Junk/Old", 7, 0)
	r.Progress("work", "Junk/Old", 7, 0)
	r.MailboxDone("work", "Junk/Old", sampleResults()[4].Stats, sampleResults()[4].Err)
	r.Error("work", "", errors.New("server said BYE: shutting down"))
	r.AccountDone("work")
	c.Advance(500 * time.Millisecond)
}
