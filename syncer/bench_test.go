package syncer

import (
	"context"
	"fmt"
	"testing"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// benchEnv seeds n messages of about 2 KB into the far INBOX.
func benchEnv(b *testing.B, n int, feat store.Features) (*memstore.Store, *memstore.Store, *Engine) {
	far := memstore.New(memstore.Options{Features: feat})
	near := memstore.New(memstore.Options{Features: feat, FirstUIDValidity: 1000})
	pad := make([]byte, 2000)
	for i := range pad {
		pad[i] = 'x'
	}
	for i := 0; i < n; i++ {
		body := fmt.Appendf(nil, "Message-ID: <%d@bench>\r\nSubject: %d\r\n\r\n%s\r\n", i, i, pad)
		if _, err := far.Seed("INBOX", body, store.NewFlags(store.Seen), epoch); err != nil {
			b.Fatal(err)
		}
	}
	eng, err := New(far, near, statedbtest.Open(b), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	return far, near, eng
}

func syncOnce(b *testing.B, eng *Engine) {
	res, err := eng.SyncAccount(context.Background())
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFirstSync copies 2 000 messages (about 4 MB) memory to memory:
// the engine's own cost (state, batching) without network or disk.
func BenchmarkFirstSync(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		_, _, eng := benchEnv(b, 2000, memstore.AllFeatures())
		b.StartTimer()
		syncOnce(b, eng)
	}
}

// BenchmarkNoChangeResync measures a resync of 10 000 synchronized
// messages with nothing to do (store Changes: O(changes) work).
func BenchmarkNoChangeResync(b *testing.B) {
	_, _, eng := benchEnv(b, 10000, memstore.AllFeatures())
	syncOnce(b, eng)
	syncOnce(b, eng) // sees the first run's own appends once
	for b.Loop() {
		syncOnce(b, eng)
	}
}

// BenchmarkFullListingResync is the same resync when the stores cannot
// tell changes (no CONDSTORE/QRESYNC): a full listing merged with the pairs.
func BenchmarkFullListingResync(b *testing.B) {
	feat := memstore.AllFeatures()
	feat.Changes, feat.QResync, feat.CondStore = false, false, false
	_, _, eng := benchEnv(b, 10000, feat)
	syncOnce(b, eng)
	for b.Loop() {
		syncOnce(b, eng)
	}
}
