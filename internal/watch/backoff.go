package watch

import (
	"math/rand/v2"
	"time"
)

// Backoff is a capped exponential backoff with jitter.
type Backoff struct {
	Base time.Duration // first delay (before jitter)
	Max  time.Duration // cap
}

// Delay returns the wait before retry number attempt (0 for the first
// retry): Base·2^attempt capped at Max, scaled by a random factor in
// [0.5, 1) so that many clients failing together do not retry together.
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Base
	for i := 0; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
