package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// sharedStartTimeout bounds the start of the package's shared server.
const sharedStartTimeout = time.Minute

// lazyServer is the one Dovecot a test binary shares between its tests.
type lazyServer struct {
	mu      sync.Mutex
	started bool
	srv     *Server
	err     error
}

// pkg is the package-level shared server: the one deliberate piece of
// global state in testenv, because each test binary (one per package)
// shares one Dovecot, started on first use and stopped by RunMain.
var pkg lazyServer

// get starts the server on first call and returns the same result after.
func (l *lazyServer) get() (*Server, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		l.started = true
		ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
		defer cancel()
		l.srv, l.err = Start(ctx, Options{})
	}
	return l.srv, l.err
}

// stop stops the server if one was started.
func (l *lazyServer) stop() (*Server, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.srv == nil {
		return nil, nil
	}
	return l.srv, l.srv.Stop()
}

// Dovecot returns the test binary's shared Dovecot, starting it on first
// use. If it cannot start (Dovecot missing: the message says how to
// install it), the test fails; it is never skipped. Give each test its
// own user (Server.NewUser) so tests can run in parallel. The package's
// TestMain must call RunMain so the server is stopped.
func Dovecot(tb testing.TB) *Server {
	tb.Helper()
	s, err := pkg.get()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// RunMain runs the tests of m, then stops the shared Dovecot, Cyrus and
// Courier that tests started, and returns the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }
//
// When a test failed, the tail of Dovecot's log is printed to stderr. A
// failure to stop cleanly turns a passing run into a failing one.
func RunMain(m *testing.M) int {
	code := m.Run()
	pkg.mu.Lock()
	srv := pkg.srv
	pkg.mu.Unlock()
	if srv != nil && code != 0 {
		fmt.Fprintf(os.Stderr, "--- testenv: dovecot log tail ---\n%s", srv.LogTail(40))
	}
	if _, err := pkg.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: stop dovecot: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	if err := stopOthers(code != 0); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
