package testenv

import (
	"context"
	"testing"
	"time"
)

// BenchmarkStartStop measures a private server's full life: certificates,
// config, master start until IMAPS greets, Stop until no process is left.
func BenchmarkStartStop(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		s, err := Start(ctx, Options{})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveMessage measures seeding with SaveMessages in batches of
// 10 (one preauth imap process per batch).
func BenchmarkSaveMessage(b *testing.B) {
	srv := Dovecot(b)
	u := srv.NewUser(b)
	batch := make([][]byte, 10)
	for i := range batch {
		batch[i] = testMessage(i)
	}
	for b.Loop() {
		srv.SaveMessages(b, u.Name, "INBOX", batch...)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(batch))/1000, "ms/msg")
}

// BenchmarkDeliverMessages measures bulk seeding by Maildir delivery, in
// batches of 1000 messages.
func BenchmarkDeliverMessages(b *testing.B) {
	srv := Dovecot(b)
	u := srv.NewUser(b)
	batch := make([][]byte, 1000)
	for i := range batch {
		batch[i] = testMessage(i)
	}
	for b.Loop() {
		srv.DeliverMessages(b, u.Name, "INBOX", time.Time{}, batch...)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(batch))/1000, "ms/msg")
}
