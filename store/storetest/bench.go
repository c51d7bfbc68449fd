package storetest

import (
	"testing"

	"github.com/imapdir/imapdir/store"
)

// BenchList measures listing the metadata of every message of mb, once per
// iteration, and reports messages per second (the issue's "list 100 000
// messages from each store"). The caller fills the mailbox beforehand, in
// whatever way is fast for its store, and gets the count back as a check.
func BenchList(b *testing.B, mb store.Mailbox, opts store.ListOptions) int {
	b.Helper()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n = 0
		if err := mb.List(b.Context(), opts, func(batch []store.Message) error {
			n += len(batch)
			return nil
		}); err != nil {
			b.Fatalf("List %q: %v", mb.Name(), err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	return n
}
