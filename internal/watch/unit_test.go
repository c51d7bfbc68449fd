package watch

import (
	"testing"
	"time"
)

func TestBackoffGrowsWithinBounds(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, 32 * time.Second, time.Minute, time.Minute, time.Minute} {
		for range 100 {
			if d := b.Delay(attempt); d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %s, want within [%s, %s]", attempt, d, want/2, want)
			}
		}
	}
	if d := b.Delay(1 << 20); d > time.Minute {
		t.Errorf("Delay(huge) = %s beyond the cap", d)
	}
}

func TestInboxMergesReports(t *testing.T) {
	b := newInbox()
	b.add("INBOX", 5)
	b.add("INBOX", 9)
	b.add("INBOX", 7)
	b.add("Archive", 3)
	b.add("Archive", 0) // no modseq: must sync whatever the state says
	b.add("Archive", 4)
	names, full := b.take()
	if full || names["INBOX"] != 9 || names["Archive"] != 0 || len(names) != 2 {
		t.Errorf("take = %v, %v", names, full)
	}
	b.addFull()
	if names, full := b.take(); !full || len(names) != 0 {
		t.Errorf("after addFull: %v, %v", names, full)
	}
	select {
	case <-b.wake:
	default:
		t.Error("no wake-up signaled")
	}
}

// TestDebounce: a mailbox is ready once quiet for the debounce delay, or
// after MaxDelay under a steady stream, and never before its backoff.
func TestDebounce(t *testing.T) {
	l := &loop{account: &account{Account: Account{Debounce: 300 * time.Millisecond, MaxDelay: 3 * time.Second}}}
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		p     pending
		at    time.Duration
		ready bool
	}{
		{"just changed", pending{first: t0, last: t0}, 100 * time.Millisecond, false},
		{"quiet long enough", pending{first: t0, last: t0}, 300 * time.Millisecond, true},
		{"steady stream", pending{first: t0, last: t0.Add(2900 * time.Millisecond)}, 3 * time.Second, true},
		{"stream, not yet", pending{first: t0, last: t0.Add(2 * time.Second)}, 2100 * time.Millisecond, false},
		{"backing off", pending{first: t0, last: t0, notBefore: t0.Add(5 * time.Second)}, 4 * time.Second, false},
		{"backoff over", pending{first: t0, last: t0, notBefore: t0.Add(5 * time.Second)}, 5 * time.Second, true},
	} {
		if got := l.ready(&c.p, t0.Add(c.at)); got != c.ready {
			t.Errorf("%s: ready = %v, want %v", c.name, got, c.ready)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 50; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := percentile(d, 50), percentile(d, 99); p50 != 25*time.Millisecond || p99 != 50*time.Millisecond {
		t.Errorf("p50 %s p99 %s", p50, p99)
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a\r\nb\tc\x7f"); got != "a  b c " {
		t.Errorf("oneLine = %q", got)
	}
}
