package cli

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/imapdir/imapdir/store/memstore"
)

func TestProgressSignalPrintsALine(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 5)
	w.progress = make(chan os.Signal) // unbuffered: a send completes once the relay has it
	sent := false
	w.far.SetOnOp(func(op, _ string) error {
		if op == memstore.OpFetchBody && !sent {
			sent = true
			w.progress <- syscall.SIGUSR1
		}
		return nil
	})
	code, out, errOut := w.run("sync")
	if code != ExitOK || !sent {
		t.Fatalf("exit %d, signal sent %v\n%s%s", code, sent, out, errOut)
	}
	if !strings.Contains(errOut, "messages") || !strings.Contains(errOut, "elapsed") {
		t.Errorf("no progress line on stderr after SIGUSR1:\n%s", errOut)
	}
}

func TestInterruptStopsCleanlyAndResumes(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 20)
	ctx, cancel := context.WithCancel(context.Background())
	w.ctx = ctx
	n := 0
	w.far.SetOnOp(func(op, _ string) error {
		if op == memstore.OpFetchBody {
			if n++; n == 7 {
				cancel() // Ctrl-C in the middle of the copies
			}
		}
		return nil
	})
	code, out, errOut := w.run("sync")
	if code != ExitInterrupted || !strings.Contains(errOut, "imapdir: interrupted; 6 done, the next run continues") {
		t.Fatalf("interrupted sync: exit %d, want %d and the count done\n%s%s", code, ExitInterrupted, out, errOut)
	}
	t.Logf("interrupted run:\n%s%s", out, errOut)
	if !strings.Contains(out+errOut, "work/INBOX: pulled 6 new; interrupted (the next run continues)") {
		t.Errorf("the interrupted mailbox is not said to be interrupted:\n%s%s", out, errOut)
	}
	if strings.Count(strings.TrimSpace(errOut), "imapdir: ") != 1 || strings.Contains(out+errOut, "failed") {
		t.Errorf("want one closing line and no failure, got:\n%s%s", out, errOut)
	}
	w.far.SetOnOp(nil)
	w.ctx = nil
	// What was done is recorded as done: the six copies are pairs, and at
	// most the one append in flight is left for recovery.
	_, status, _ := w.run("status")
	if !strings.Contains(status, "INBOX    6 ") || !regexp.MustCompile(`pending: +[01] intents?\b`).MatchString(status) {
		t.Errorf("status after the interruption does not show the work done:\n%s", status)
	}
	if code, out, errOut := w.run("sync"); code != ExitOK {
		t.Fatalf("resumed sync: exit %d\n%s%s", code, out, errOut)
	}
	if got := messageCounts(w.near)["INBOX"]; got != 20 {
		t.Errorf("after the resumed sync the near INBOX holds %d messages, want 20 (none lost, none twice)", got)
	}
	if code, out, _ := w.run("sync"); code != ExitOK || !strings.Contains(out, "no changes") {
		t.Errorf("third sync: exit %d, want no changes:\n%s", code, out)
	}
}

func TestPartialFailureExitsThree(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 2)
	w.seed("Sent", 2)
	w.far.SetOnOp(func(op, mailbox string) error {
		if op == memstore.OpOpen && mailbox == "Sent" {
			return errors.New("injected: mailbox unavailable")
		}
		return nil
	})
	code, out, errOut := w.run("sync")
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitPartial, out, errOut)
	}
	if !strings.Contains(out+errOut, "injected: mailbox unavailable") {
		t.Errorf("the failure is not shown:\n%s%s", out, errOut)
	}
	if got := messageCounts(w.near); got["INBOX"] != 2 {
		t.Errorf("the healthy mailbox was not synced: %v", got)
	}
}

func TestCompletion(t *testing.T) {
	w := newWorld(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := w.run("completion", shell)
		if code != ExitOK || !strings.Contains(out, "imapdir") {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
}
