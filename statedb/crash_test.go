package statedb

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// crashHelperEnv tells the re-executed test binary to act as a writer that
// gets killed.
const crashHelperEnv = "STATEDB_TEST_CRASH_DB"

// TestCrashHelperProcess is not a test: run by TestKilledWriterLosesOnly
// UncommittedWork in a child process, it commits an intent, says
// "committed", then writes a pair in a second transaction, says "writing"
// and waits (to be killed) before committing it.
func TestCrashHelperProcess(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		return // not running as the helper
	}
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	var mb MailboxID
	err = db.Update(ctx, func(tx *Tx) error {
		m, err := tx.EnsureMailbox("INBOX", "INBOX")
		mb = m.ID
		if err == nil {
			_, err = tx.AddIntent(Intent{Mailbox: m.ID, Kind: IntentCopyToNear, Source: Far, SourceUID: 1, TempID: "tmp-1"})
		}
		return err
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("committed")
	_ = db.Update(ctx, func(tx *Tx) error {
		for uid := uint32(1); uid <= 1000; uid++ {
			if _, err := tx.PutPair(Pair{Mailbox: mb, FarUID: uid, NearUID: uid}); err != nil {
				return err
			}
		}
		fmt.Println("writing")
		_, _ = io.Copy(io.Discard, os.Stdin) // killed here
		return nil
	})
	os.Exit(0)
}

// TestKilledWriterLosesOnlyUncommittedWork kills a writer (SIGKILL) in the
// middle of a transaction: the earlier commit survives, the open
// transaction leaves no trace, and the file stays consistent.
func TestKilledWriterLosesOnlyUncommittedWork(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+path)
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := bufio.NewReader(stdout)
	for _, want := range []string{"committed\n", "writing\n"} {
		if line, err := r.ReadString('\n'); err != nil || line != want {
			t.Fatalf("helper said %q (%v), want %q", line, err, want)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	view(t, db, func(tx *Tx) error {
		intents, err := tx.PendingIntents(0)
		if err != nil || len(intents) != 1 || intents[0].TempID != "tmp-1" {
			t.Errorf("committed intent after kill: %+v %v", intents, err)
			return nil
		}
		if n, err := tx.CountPairs(intents[0].Mailbox); err != nil || n != 0 {
			t.Errorf("%d pairs of the killed transaction visible (%v)", n, err)
		}
		return nil
	})
	if err := db.CheckConsistency(context.Background()); err != nil {
		t.Error(err)
	}
}
