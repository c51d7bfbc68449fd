package storetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/imapdir/imapdir/store"
)

// testCanceled: calls with an ended context fail as canceled and change
// nothing.
func testCanceled(f *fixture) {
	mb := f.open("INBOX")
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	_, err := f.st.OpenMailbox(ctx, "INBOX")
	f.wantCanceled("OpenMailbox", err)
	err = mb.List(ctx, store.ListOptions{}, func([]store.Message) error { return nil })
	f.wantCanceled("List", err)
	body := mail("canceled", "x\r\n")
	_, err = mb.Append(ctx, store.NewMessage{Size: int64(len(body)), Body: bytes.NewReader(body), InternalDate: baseDate})
	f.wantCanceled("Append", err)
	if n := len(f.list(mb, store.ListOptions{})); n != 0 {
		f.t.Errorf("a canceled Append stored a message: %d listed", n)
	}
}

// wantCanceled checks that err is graded ScopeCanceled.
func (f *fixture) wantCanceled(what string, err error) {
	f.t.Helper()
	if got := store.ScopeOf(err); got != store.ScopeCanceled {
		f.t.Errorf("%s with a canceled context: %v (scope %v), want scope canceled", what, err, got)
	}
}

// testConcurrent uses one store from several goroutines, each in its own
// mailbox (run it with -race).
func testConcurrent(f *fixture) {
	const workers, perWorker = 4, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.worker(fmt.Sprintf("Parallel/W%d", w), perWorker); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		f.t.Error(err)
	}
}

// worker creates name, fills it, reads it back and expunges half of it,
// reporting the first deviation.
func (f *fixture) worker(name string, n int) (err error) {
	if err := f.st.CreateMailbox(f.ctx, name, ""); err != nil {
		return fmt.Errorf("create %q: %w", name, err)
	}
	mb, err := f.st.OpenMailbox(f.ctx, name)
	if err != nil {
		return fmt.Errorf("open %q: %w", name, err)
	}
	defer func() {
		if cerr := mb.Close(); err == nil {
			err = cerr
		}
	}()
	for i := range n {
		body := mail(fmt.Sprintf("%s-%d", name, i), "parallel\r\n")
		if _, err := mb.Append(f.ctx, store.NewMessage{Size: int64(len(body)), Body: bytes.NewReader(body), InternalDate: baseDate}); err != nil {
			return fmt.Errorf("append to %q: %w", name, err)
		}
	}
	if err := mb.Flush(f.ctx); err != nil {
		return fmt.Errorf("flush %q: %w", name, err)
	}
	return checkWorker(f.ctx, mb, n)
}

// checkWorker lists, fetches and expunges half of a worker's mailbox.
func checkWorker(ctx context.Context, mb store.Mailbox, n int) error {
	var uids []store.UID
	if err := mb.List(ctx, store.ListOptions{BatchSize: 5}, func(b []store.Message) error {
		for _, m := range b {
			uids = append(uids, m.UID)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("list %q: %w", mb.Name(), err)
	}
	if len(uids) != n {
		return fmt.Errorf("%q lists %d messages, want %d", mb.Name(), len(uids), n)
	}
	fetched := 0
	if err := mb.FetchBodies(ctx, uids, func(_ store.Message, r io.Reader) error {
		fetched++
		_, err := io.Copy(io.Discard, r)
		return err
	}); err != nil || fetched != n {
		return fmt.Errorf("fetch %q: %d of %d: %v", mb.Name(), fetched, n, err)
	}
	if err := mb.Expunge(ctx, uids[:n/2]); err != nil {
		return fmt.Errorf("expunge %q: %w", mb.Name(), err)
	}
	return nil
}
