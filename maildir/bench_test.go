package maildir

import (
	"bytes"
	"context"
	"testing"
)

// benchMessage is a 20 KB message with CRLF line endings, about the
// average size in the design's measurements (221 MB / 10 000 messages).
var benchMessage = bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678\r\n"), 280)

// BenchmarkDeliverEach: one durable delivery per message (two fsyncs).
func BenchmarkDeliverEach(b *testing.B) {
	f, err := Create(b.TempDir() + "/box")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		if _, err := f.Deliver(context.Background(), bytes.NewReader(benchMessage), DeliverOptions{ToLF: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchBatch(b *testing.B, opts BatchOptions) {
	const perCommit = 100
	f, err := Create(b.TempDir() + "/box")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	batch := NewBatch(opts)
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		if _, err := batch.Deliver(ctx, f, bytes.NewReader(benchMessage), DeliverOptions{ToLF: true}); err != nil {
			b.Fatal(err)
		}
		if batch.Len() == perCommit {
			if err := batch.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := batch.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBatchFsync: batches of 100, one fsync per file at Commit.
func BenchmarkBatchFsync(b *testing.B) { benchBatch(b, BatchOptions{}) }

// BenchmarkBatchSyncFS: batches of 100, one syncfs(2) per Commit.
func BenchmarkBatchSyncFS(b *testing.B) { benchBatch(b, BatchOptions{SyncFS: true}) }
