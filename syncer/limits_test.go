package syncer

import "testing"

// Only limits that let through what the recorded ones left out call for a
// full listing: a fixed max_age (its cutoff moving forward with time) or a
// fixed start_date does not, a raised or removed bound does.
func TestLimitsAllowMore(t *testing.T) {
	rec := limits{size: 1024, cutoff: 1000}
	if cutoffSlack >= 500 {
		t.Fatal("cutoffSlack too wide for these cases")
	}
	for _, c := range []struct {
		cur  limits
		want bool
	}{
		{limits{1024, 1000}, false},
		{limits{1024, 2000}, false}, // max_age unchanged, time passed
		{limits{512, 1000}, false},
		{limits{2048, 1000}, true},
		{limits{0, 1000}, true},
		{limits{1024, 999}, false}, // start_date: the clock's wobble
		{limits{1024, 500}, true},
		{limits{1024, 0}, true},
	} {
		if got := c.cur.allowsMore(rec); got != c.want {
			t.Errorf("%v.allowsMore(%v) = %v, want %v", c.cur, rec, got, c.want)
		}
	}
	if n := (limits{0, 0}).narrowest(limits{2048, 500}); n != (limits{2048, 500}) {
		t.Errorf("narrowest from none = %v", n)
	}
	if n := (limits{1024, 500}).narrowest(limits{2048, 900}); n != (limits{1024, 900}) {
		t.Errorf("narrowest = %v, want 1024 900", n)
	}
	if l, ok := parseLimits(rec.String()); !ok || l != rec {
		t.Errorf("parseLimits(%q) = %v %v", rec.String(), l, ok)
	}
}
