package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// Users of the served data set; the password is the same for both (a
// loopback test server).
const (
	bigUser  = "big"
	manyUser = "many"
	password = "bench-password"
)

// serve starts Dovecot, seeds it, writes the env file and waits.
func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	envFile := fs.String("env", "", "file to write the connection details to (required)")
	n := fs.Int("n", 10000, "messages of about 22 KB for user big")
	m := fs.Int("resync-n", 50000, "messages of about 2 KB for user many")
	users := fs.String("users", manyUser, "comma-separated users seeded alike with -resync-n messages (one per tool compared)")
	folders := fs.Int("folders", 0, "small folders (20 messages each) besides INBOX, for every user")
	sizes := fs.String("users-size", "small", "message sizes of -users: small (about 2 KB) or big (as user big's, about 22 KB)")
	fs.Parse(args)
	if *envFile == "" {
		return errors.New("serve: -env is required")
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	srv, err := testenv.Start(sctx, testenv.Options{})
	cancel()
	if err != nil {
		return fmt.Errorf("starting Dovecot: %w", err)
	}
	defer srv.Stop()
	tb := &fatalTB{srv: srv}
	srv.AddUser(tb, bigUser, password)
	start := time.Now()
	nb := seed(tb, srv, bigUser, *n, bigSize)
	seedFolders(tb, srv, bigUser, *folders)
	var nm int64
	for _, u := range strings.Split(*users, ",") {
		srv.AddUser(tb, u, password)
		size := func(*rand.Rand) int { return 1500 }
		if *sizes == "big" {
			size = bigSize
		}
		nm = seed(tb, srv, u, *m, size)
		seedFolders(tb, srv, u, *folders)
	}
	fmt.Fprintf(os.Stderr, "e2ebench: seeded %d messages (%d MB) for %s, %d (%d MB) for each of %s, %d folders each, in %v\n",
		*n, nb>>20, bigUser, *m, nm>>20, *users, *folders, time.Since(start).Round(time.Second))
	if err := writeEnv(*envFile, srv); err != nil {
		return err
	}
	waitForEnd()
	return srv.Stop()
}

// writeEnv writes the connection details as shell variables, atomically
// (a reader polling for the file sees it whole).
func writeEnv(path string, srv *testenv.Server) error {
	ca := filepath.Join(filepath.Dir(path), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HOST=127.0.0.1\nIMAPS_PORT=%d\nIMAP_PORT=%d\nCA_FILE=%s\n", srv.IMAPSPort(), srv.IMAPPort(), ca)
	fmt.Fprintf(&b, "BIG_USER=%s\nMANY_USER=%s\nPASSWORD=%s\n", bigUser, manyUser, password)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// waitForEnd returns when standard input reaches its end or on SIGINT or
// SIGTERM.
func waitForEnd() {
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
}

// fatalTB lets a program use testenv's seeding helpers, which take a
// testing.TB and call only Helper, Fatal and Fatalf on it (the embedded
// nil TB is never reached). A fatal error stops Dovecot and exits.
type fatalTB struct {
	testing.TB
	srv *testenv.Server
}

func (*fatalTB) Helper() {}

func (t *fatalTB) Fatal(args ...any) { t.fail(fmt.Sprint(args...)) }

func (t *fatalTB) Fatalf(format string, args ...any) { t.fail(fmt.Sprintf(format, args...)) }

func (t *fatalTB) fail(msg string) {
	fmt.Fprintln(os.Stderr, "e2ebench:", msg)
	fmt.Fprintln(os.Stderr, t.srv.LogTail(20))
	t.srv.Stop()
	os.Exit(1)
}
