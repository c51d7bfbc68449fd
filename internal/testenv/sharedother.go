package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// lazyOther is a Cyrus or Courier a test binary shares between its tests.
type lazyOther struct {
	start func(context.Context) (*OtherServer, error)

	mu      sync.Mutex
	started bool
	srv     *OtherServer
	err     error
}

// others are the package-level shared Cyrus and Courier, like pkg.
var others = map[Kind]*lazyOther{
	KindCyrus:   {start: StartCyrus},
	KindCourier: {start: StartCourier},
}

func (l *lazyOther) get() (*OtherServer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		l.started = true
		ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
		defer cancel()
		l.srv, l.err = l.start(ctx)
	}
	return l.srv, l.err
}

// stopOthers stops the shared Cyrus and Courier that were started; when
// failed, it prints their output's tail first.
func stopOthers(failed bool) error {
	var first error
	for kind, l := range others {
		l.mu.Lock()
		srv := l.srv
		l.mu.Unlock()
		if srv == nil {
			continue
		}
		if failed {
			fmt.Fprintf(os.Stderr, "--- testenv: %s output tail ---\n%s", kind, srv.LogTail(40))
		}
		if err := srv.Stop(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Cyrus returns the test binary's shared Cyrus, starting it on first use;
// like Dovecot, it fails the test (never skips) when it cannot start.
func Cyrus(tb testing.TB) *OtherServer {
	tb.Helper()
	return sharedOther(tb, KindCyrus)
}

// Courier returns the test binary's shared Courier-IMAP, as Cyrus does.
func Courier(tb testing.TB) *OtherServer {
	tb.Helper()
	return sharedOther(tb, KindCourier)
}

func sharedOther(tb testing.TB, kind Kind) *OtherServer {
	tb.Helper()
	s, err := others[kind].get()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Shared returns the test binary's shared server of kind.
func Shared(tb testing.TB, kind Kind) MailServer {
	tb.Helper()
	if kind == KindDovecot {
		return Dovecot(tb)
	}
	return sharedOther(tb, kind)
}
